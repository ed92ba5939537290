/**
 * Starts an embedded server, prints one JSON line describing it, then waits to be killed.
 * Used to prove that a SIGKILLed run leaves nothing the next run cannot clean up.
 */
import { startEmbeddedServer } from './embedded-server.js';

const server = await startEmbeddedServer({ fast: true });
const fs = await import('node:fs');
const path = await import('node:path');
const pid = Number(fs.readFileSync(path.join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
process.stdout.write(`${JSON.stringify({ dataDir: server.dataDir, serverPid: pid, url: server.url })}\n`);
setInterval(() => {}, 1000);
