/**
 * Connecting the way libpq does, against real servers: one started here with ssl = on and
 * certificates made in the test (openssl), and the shared test server (no TLS).
 * - sslmode verify-full / verify-ca / require / prefer / disable with libpq's meaning;
 * - a wrong CA, a certificate for another host name, or a server without TLS fail with exit 3
 *   and the reason; a certificate file that is missing fails with exit 2 naming it;
 * - the libpq variables alone (PGHOST as a socket directory too), the URL from a secret file,
 *   and ~/.pgpass get the command to the right server, and every message names it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { resolveTarget, systemTargetIo, targetFromUrl } from '../../src/db/target.js';
import { ConnectionError } from '../../src/errors.js';
import { runCliProcess } from '../harness/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { makeCertificates } from '../harness/certificates.js';
import { addPasswordRole, startEmbeddedServer, type EmbeddedServer } from '../harness/embedded-server.js';
import { systemRuntime } from '../../src/runtime.js';

const PASSWORD = 'Tls-Pw-8812';

/** Whether the session runs over TLS, as the server sees it. */
async function sessionUsesTls(url: string, env: Record<string, string> = {}): Promise<boolean> {
  const client = await connect({ target: targetFromUrl(url, env), runtime: systemRuntime() });
  try {
    const { rows } = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0].ssl === true;
  } finally {
    await client.end();
  }
}

async function connectionFailure(url: string): Promise<ConnectionError> {
  try {
    await (await connect({ target: targetFromUrl(url), runtime: systemRuntime() })).end();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionError);
    return error as ConnectionError;
  }
  throw new Error(`connecting to ${url} succeeded`);
}

describe('TLS with libpq sslmode, against a server with ssl = on', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let server: EmbeddedServer;
  let plain: TestDatabase;
  const at = (host: string, query: string) => `postgres://postgres@${host}:${server.port}/postgres?${query}`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibm-tls-'));
    certs = makeCertificates(dir);
    server = await startEmbeddedServer({ fast: true, tls: { certificate: certs.serverCert, key: certs.serverKey } });
    plain = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await server?.stop();
    await plain?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('verify-full with the right CA and host name: connected over TLS', async () => {
    expect(await sessionUsesTls(at('localhost', `sslmode=verify-full&sslrootcert=${certs.ca}`))).toBe(true);
  });

  it('a wrong CA fails clearly (exit 3), naming the root certificate file', async () => {
    const error = await connectionFailure(at('localhost', `sslmode=verify-full&sslrootcert=${certs.wrongCa}`));
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(
      new RegExp(
        `^TLS handshake with localhost:${server.port}/postgres failed: the server's certificate is not signed by a CA in ${certs.wrongCa.replaceAll('.', '\\.')}`,
      ),
    );
    expect(error.hint).toMatch(/--ssl-root-cert/);
  });

  it('a certificate for another host name fails verify-full (127.0.0.1 is not localhost), and passes verify-ca', async () => {
    const error = await connectionFailure(at('127.0.0.1', `sslmode=verify-full&sslrootcert=${certs.ca}`));
    expect(error.message).toMatch(
      /^TLS handshake with 127\.0\.0\.1:\d+\/postgres failed: the server's certificate is not for this host name \(.*127\.0\.0\.1/,
    );
    expect(error.hint).toMatch(/verify-ca/);
    expect(await sessionUsesTls(at('127.0.0.1', `sslmode=verify-ca&sslrootcert=${certs.ca}`))).toBe(true);
  });

  it('require without a root certificate: TLS, certificate not checked; with one, the chain is checked (libpq)', async () => {
    expect(await sessionUsesTls(at('127.0.0.1', 'sslmode=require'))).toBe(true);
    const error = await connectionFailure(at('localhost', `sslmode=require&sslrootcert=${certs.wrongCa}`));
    expect(error.message).toMatch(/not signed by a CA/);
  });

  it('prefer uses TLS when offered; disable does not', async () => {
    expect(await sessionUsesTls(at('127.0.0.1', ''), { PGSSLMODE: 'prefer' })).toBe(true);
    expect(await sessionUsesTls(at('127.0.0.1', 'sslmode=disable'))).toBe(false);
  });

  it('against a server without TLS: require fails clearly (exit 3), prefer connects in plain text', async () => {
    const error = await connectionFailure(`${plain.url}?sslmode=require`);
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(
      /^127\.0\.0\.1:\d+\/aibridge_migrate_t_\w+ does not accept TLS connections \(sslmode=require requires TLS/,
    );
    expect(await sessionUsesTls(`${plain.url}?sslmode=prefer`)).toBe(false);
  });

  it('through the CLI: exit 3 with the reason for a bad handshake, exit 2 naming a missing certificate file, and no driver warning', async () => {
    const wrongCa = await runCliProcess([
      'status',
      '--database-url',
      at('localhost', 'sslmode=verify-full'),
      '--ssl-root-cert',
      certs.wrongCa,
    ]);
    expect(wrongCa.code).toBe(3);
    expect(wrongCa.stderr).toMatch(
      /^error: TLS handshake with localhost:\d+\/postgres failed: the server's certificate is not signed by a CA in /m,
    );
    expect(wrongCa.stderr).not.toMatch(/SECURITY WARNING|This is a bug/);

    const missing = await runCliProcess(['status', '--json'], {
      env: {
        PGHOST: 'localhost',
        PGPORT: String(server.port),
        PGUSER: 'postgres',
        PGSSLMODE: 'verify-full',
        PGSSLROOTCERT: path.join(dir, 'nope.crt'),
      },
    });
    expect(missing.code).toBe(2);
    expect(missing.events[0]).toMatchObject({
      status: 'error',
      error: { code: 'USAGE', message: `PGSSLROOTCERT: cannot read the root certificate file ${path.join(dir, 'nope.crt')}: no such file` },
    });

    const ok = await runCliProcess(['status', '--sslmode', 'verify-full', '--ssl-root-cert', certs.ca, '--json'], {
      env: { PGHOST: 'localhost', PGPORT: String(server.port), PGUSER: 'postgres' },
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.events[0]).toMatchObject({ status: 'ok', database: `localhost:${server.port}/postgres` });
  });
});

describe('the libpq environment, sockets, secret files and ~/.pgpass', () => {
  let server: EmbeddedServer;
  let home: string;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'aibm-home-'));
    server = await startEmbeddedServer({ fast: true });
    await addPasswordRole(server, 'pw_user', PASSWORD);
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('only PG* variables: the command connects, and says where', async () => {
    const run = await runCliProcess(['status', '--json'], {
      env: { PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'postgres' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.events[0]).toMatchObject({ database: `127.0.0.1:${server.port}/postgres` });
  });

  it('PGHOST naming the socket directory, and postgresql:///db?host=…', async () => {
    const env = { PGHOST: server.socketDir, PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
    const viaEnv = await runCliProcess(['status', '--json'], { env });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(viaEnv.events[0]).toMatchObject({ database: `${server.socketDir}:${server.port}/postgres` });
    const viaUrl = await runCliProcess([
      'status',
      '--json',
      '--database-url',
      `postgresql:///postgres?host=${server.socketDir}&port=${server.port}&user=postgres`,
    ]);
    expect(viaUrl.code, viaUrl.stderr).toBe(0);
  });

  it('an error with only PG* variables names the host, port and database actually used', async () => {
    const run = await runCliProcess(['status'], {
      env: { PGHOST: '127.0.0.1', PGPORT: '1', PGUSER: 'app', PGPASSWORD: PASSWORD, PGDATABASE: 'coder' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: cannot reach 127\.0\.0\.1:1\/coder while connecting/m);
    expect(run.stderr).not.toContain(PASSWORD);
  });

  it('the URL from a secret file (trailing newline ignored); errors name the file, not its content', async () => {
    const secret = path.join(home, 'db-url');
    fs.writeFileSync(secret, `postgres://pw_user:${PASSWORD}@127.0.0.1:${server.port}/postgres\n`);
    const run = await runCliProcess(['status', '--json'], { env: { AIBRIDGE_MIGRATE_DATABASE_URL_FILE: secret } });
    expect(run.code, run.stderr).toBe(0);

    fs.writeFileSync(secret, `mysql://pw_user:${PASSWORD}@db/x\n`);
    const bad = await runCliProcess(['status', '--database-url-file', secret]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`error: Setting 'database-url-file' (--database-url-file): the file ${secret} does not hold a usable URL`);
    expect(bad.stderr).not.toContain(PASSWORD);
  });

  it('~/.pgpass (0600) supplies the password; without one, the server asks and the message says where to put it', async () => {
    const pgpass = path.join(home, '.pgpass');
    fs.writeFileSync(pgpass, `127.0.0.1:${server.port}:*:pw_user:${PASSWORD}\n`, { mode: 0o600 });
    const env = { HOME: home, PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'pw_user', PGDATABASE: 'postgres' };
    const withFile = await runCliProcess(['status', '--json', '--debug'], { env });
    expect(withFile.code, withFile.stderr).toBe(0);
    expect(withFile.stderr).toContain(`password from ${pgpass}`);

    fs.rmSync(pgpass);
    const without = await runCliProcess(['status'], { env });
    expect(without.code).toBe(3);
    expect(without.stderr).toMatch(
      new RegExp(`^error: 127\\.0\\.0\\.1:${server.port}/postgres asks for a password for user "pw_user" and none was given`, 'm'),
    );
    expect(without.stderr).toContain(`hint: Put it in the URL, in PGPASSWORD, or in ${pgpass}`);
  });

  it('the resolved target is what connect() uses: PGPORT fills a URL without a port', async () => {
    const resolved = resolveTarget(
      {
        url: { kind: 'text', value: 'postgres://postgres@127.0.0.1/postgres', setting: 'database-url', source: 'test' },
        env: { PGPORT: String(server.port) },
      },
      systemTargetIo(),
    );
    expect(resolved.ok).toBe(true);
    if (!resolved.ok) return;
    const client = await connect({ target: resolved.target, runtime: systemRuntime() });
    expect((await client.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await client.end();
  });
});
