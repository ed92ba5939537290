/**
 * Runs a command with TEST_DATABASE_URL pointing at a freshly started embedded PostgreSQL,
 * then stops it: proves the test harness works against a server it is given, not only one it
 * starts itself.   tsx scripts/with-server.ts -- npx vitest run --project integration
 */
import { spawn } from 'node:child_process';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';

const dash = process.argv.indexOf('--');
const command = dash >= 0 ? process.argv.slice(dash + 1) : [];
if (command.length === 0) {
  console.error('usage: tsx scripts/with-server.ts -- <command> [args…]');
  process.exit(2);
}
const server = await startEmbeddedServer({ fast: true });
console.log(`[with-server] PostgreSQL ${server.major} at ${server.url}`);
const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: server.url } });
const code = await new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await server.stop();
process.exit(code);
