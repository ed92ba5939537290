/**
 * Connecting the way managed databases need, against real servers: --connect-retry waits for a
 * server that starts after the command; channel_binding=require works against SCRAM over TLS
 * and fails clearly against trust authentication; a service file entry (PGSERVICEFILE) supplies
 * host, port, database and sslmode.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { targetFromUrl } from '../../src/db/target.js';
import { ConnectionError } from '../../src/errors.js';
import { makeCertificates } from '../harness/certificates.js';
import { runCliProcess, startCliProcess } from '../harness/cli-process.js';
import { addPasswordRole, freePort, startEmbeddedServer, type EmbeddedServer } from '../harness/embedded-server.js';
import { systemRuntime } from '../../src/runtime.js';

const PASSWORD = 'Scram-Pw-4471';

describe('--connect-retry', () => {
  let server: EmbeddedServer | undefined;
  afterAll(async () => server?.stop());

  it('connects to a server started 5 s after the command, naming each failed attempt', async () => {
    const port = await freePort();
    const status = startCliProcess([
      'status',
      '--connect-retry',
      '20s',
      '--database-url',
      `postgres://postgres@127.0.0.1:${port}/postgres`,
    ]);
    await status.waitForStderr(/connect attempt 1 to 127\.0\.0\.1:\d+\/postgres failed \(connect ECONNREFUSED/);
    await new Promise((r) => setTimeout(r, 5_000));
    server = await startEmbeddedServer({ fast: true, port });
    const exit = await status.exit;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toMatch(new RegExp(`^migrations on 127\\.0\\.0\\.1:${port}/postgres`));
    expect(exit.stderr).toMatch(/retrying in [\d.]+ m?s, [\d.]+ m?s of --connect-retry left/);
  });

  it('gives up with exit 3 once the budget is spent, saying so', async () => {
    const port = await freePort();
    const run = await runCliProcess([
      'status',
      '--connect-retry',
      '1s',
      '--database-url',
      `postgres://postgres@127.0.0.1:${port}/postgres`,
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /error: cannot reach 127\.0\.0\.1:\d+\/postgres .*ECONNREFUSED.* \(after \d+ attempts in [\d.]+ m?s; --connect-retry 1(\.0)? s spent\)/,
    );
  });
});

describe('channel_binding and service files against a TLS server with SCRAM', () => {
  let dir: string;
  let server: EmbeddedServer;
  let certs: ReturnType<typeof makeCertificates>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibm-bind-'));
    certs = makeCertificates(dir);
    server = await startEmbeddedServer({
      fast: true,
      tls: { certificate: certs.serverCert, key: certs.serverKey },
      settings: { password_encryption: 'scram-sha-256' },
    });
    await addPasswordRole(server, 'scram_user', PASSWORD);
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const url = (user: string, query: string) =>
    `postgres://${user}${user === 'scram_user' ? `:${PASSWORD}` : ''}@127.0.0.1:${server.port}/postgres?${query}`;

  it('require: SCRAM-SHA-256-PLUS over TLS connects', async () => {
    const client = await connect({
      target: targetFromUrl(url('scram_user', 'sslmode=require&channel_binding=require')),
      runtime: systemRuntime(),
    });
    try {
      const { rows } = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0].ssl).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('require against trust authentication fails clearly (exit 3), through the CLI too', async () => {
    const refused = await connect({
      target: targetFromUrl(url('postgres', 'sslmode=require&channel_binding=require')),
      runtime: systemRuntime(),
    }).then(
      async (c) => {
        await c.end();
        return null;
      },
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ConnectionError);
    expect((refused as ConnectionError).message).toBe(
      `channel_binding=require refused 127.0.0.1:${server.port}/postgres: the server let the role in without any password exchange (trust or peer authentication), so nothing was bound`,
    );
    const cli = await runCliProcess(['status', '--channel-binding', 'require', '--database-url', url('postgres', 'sslmode=require')]);
    expect(cli.code).toBe(3);
    expect(cli.stderr).toMatch(/^error: channel_binding=require refused .*trust or peer authentication/m);
  });

  it('require with sslmode=disable is refused before connecting (exit 2)', async () => {
    const cli = await runCliProcess(['status', '--database-url', url('scram_user', 'sslmode=disable&channel_binding=require')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/channel_binding=require needs TLS, and sslmode=disable turns it off/);
  });

  it('a service file entry supplies host, port, database and sslmode (PGSERVICEFILE, PGSERVICE)', async () => {
    const file = path.join(dir, 'services.conf');
    fs.writeFileSync(
      file,
      [
        '# services for the test',
        '[other]',
        'host=192.0.2.1',
        '[coder-db]',
        'host = localhost',
        `port=${server.port}`,
        'dbname=postgres',
        'user=scram_user',
        'sslmode=verify-full',
        `sslrootcert=${certs.ca}`,
        'channel_binding=require',
        '',
      ].join('\n'),
    );
    const run = await runCliProcess(['status', '--json', '--debug'], {
      env: { PGSERVICEFILE: file, PGSERVICE: 'coder-db', PGPASSWORD: PASSWORD, PGSYSCONFDIR: dir },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).database).toBe(`localhost:${server.port}/postgres`);
    expect(run.stderr).toMatch(/host from host from service "coder-db" \(.*services\.conf\)/);
    expect(run.stderr).toMatch(/sslmode verify-full from sslmode from service "coder-db"/);
    // The URL's own parts win over the service's.
    const viaUrl = await runCliProcess(
      ['status', '--json', '--database-url', `postgres://scram_user:${PASSWORD}@/nosuchdb?service=coder-db`],
      {
        env: { PGSERVICEFILE: file },
      },
    );
    expect(viaUrl.code).toBe(3);
    expect(viaUrl.stderr).toMatch(/the database in localhost:\d+\/nosuchdb does not exist/);
    const missing = await runCliProcess(['status'], { env: { PGSERVICEFILE: file, PGSERVICE: 'nope', PGSYSCONFDIR: dir } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/definition of service "nope" not found \(looked in .*services\.conf and .*pg_service\.conf/);
  });
});
