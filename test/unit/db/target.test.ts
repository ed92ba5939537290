/**
 * Which server, database, role and TLS settings a command ends up with, from the URL and the
 * libpq environment: libpq's rules as tables of cases, files served by a fake file system.
 */
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/errors.js';
import { findPgpassPassword, parsePgpass, pgpassUnsafe } from '../../../src/db/pgpass.js';
import { resolveTarget, type TargetInput, type TargetIo } from '../../../src/db/target.js';
import { parseDatabaseUrl } from '../../../src/db/url.js';
import { redactUrl } from '../../../src/text/redact.js';

const HOME = '/home/op';

function fakeIo(
  files: Record<string, string | { text: string; mode: number; uid?: number }> = {},
  dirs: string[] = ['/var/run/postgresql'],
): TargetIo {
  const entry = (file: string) => {
    const f = files[file];
    if (f === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return typeof f === 'string' ? { text: f, mode: 0o100600, uid: 1000 } : { uid: 1000, ...f };
  };
  return {
    readFile: (file) => entry(file).text,
    stat: (file) => {
      const e = entry(file);
      return { mode: e.mode, uid: e.uid, isFile: true };
    },
    exists: (file) => file in files || dirs.includes(file),
    homedir: HOME,
    username: 'op',
    uid: 1000,
  };
}

const url = (value: string): TargetInput['url'] => ({ kind: 'text', value, setting: 'database-url', source: '--database-url' });

function resolve(input: Partial<TargetInput>, io = fakeIo()) {
  return resolveTarget({ env: {}, ...input }, io);
}

function target(input: Partial<TargetInput>, io = fakeIo()) {
  const resolved = resolve(input, io);
  if (!resolved.ok) throw new Error(resolved.problems.map(formatProblem).join('\n'));
  return resolved.target;
}

function problems(input: Partial<TargetInput>, io = fakeIo()): string[] {
  const resolved = resolve(input, io);
  if (resolved.ok) throw new Error(`expected problems, got ${resolved.target.label}`);
  return resolved.problems.map(formatProblem);
}

describe('what the URL and the libpq variables say, and which wins', () => {
  it.each<[string, Partial<TargetInput>, { label: string; user: string; socket?: boolean; passwordFrom?: string | null }]>([
    [
      'a full URL',
      { url: url('postgres://app:pw@db.internal:6432/coder') },
      { label: 'db.internal:6432/coder', user: 'app', passwordFrom: 'the URL' },
    ],
    [
      'only PG* variables',
      { env: { PGHOST: 'db', PGPORT: '5433', PGUSER: 'coder', PGDATABASE: 'coderdb' } },
      { label: 'db:5433/coderdb', user: 'coder' },
    ],
    [
      'the URL wins over PGHOST/PGPORT',
      { url: url('postgres://app@urlhost:7000/a'), env: { PGHOST: 'envhost', PGPORT: '1' } },
      { label: 'urlhost:7000/a', user: 'app' },
    ],
    [
      'PG* fills what the URL leaves out',
      { url: url('postgres://urlhost/a'), env: { PGPORT: '7001', PGUSER: 'envuser', PGPASSWORD: 'x' } },
      { label: 'urlhost:7001/a', user: 'envuser', passwordFrom: 'PGPASSWORD' },
    ],
    [
      'postgresql:///db: the default socket directory',
      { url: url('postgresql:///coder') },
      { label: '/var/run/postgresql:5432/coder', user: 'op', socket: true },
    ],
    [
      'PGHOST naming a socket directory',
      { env: { PGHOST: '/tmp/pg', PGDATABASE: 'coder' } },
      { label: '/tmp/pg:5432/coder', user: 'op', socket: true },
    ],
    [
      '?host= with a socket directory',
      { url: url('postgresql://app@/coder?host=/run/pg') },
      { label: '/run/pg:5432/coder', user: 'app', socket: true },
    ],
    [
      'a percent-encoded socket directory',
      { url: url('postgresql://%2Frun%2Fpg/coder') },
      { label: '/run/pg:5432/coder', user: 'op', socket: true },
    ],
    ['database defaults to the user name', { env: { PGHOST: 'db', PGUSER: 'coder' } }, { label: 'db:5432/coder', user: 'coder' }],
    [
      'PGHOSTADDR: dial the address, keep the name',
      { env: { PGHOST: 'db.internal', PGHOSTADDR: '10.0.0.5', PGDATABASE: 'c' } },
      { label: 'db.internal (10.0.0.5):5432/c', user: 'op' },
    ],
    ['IPv6 host', { url: url('postgres://u@[::1]:5432/c') }, { label: '[::1]:5432/c', user: 'u' }],
    ['a password with a raw @', { url: url('postgres://app:p@ss@db/c') }, { label: 'db:5432/c', user: 'app', passwordFrom: 'the URL' }],
  ])('%s', (_name, input, expected) => {
    const t = target(input);
    expect(t.label).toBe(expected.label);
    expect(t.user).toBe(expected.user);
    if (expected.socket !== undefined) expect(t.socket).toBe(expected.socket);
    if (expected.passwordFrom !== undefined) expect(t.passwordFrom).toBe(expected.passwordFrom);
  });

  it('never puts the password (or a key) where logging or JSON would show it', () => {
    const t = target({ url: url('postgres://app:hunter2@db/c') });
    expect(t.secrets.password).toBe('hunter2');
    expect(JSON.stringify(t)).not.toContain('hunter2');
    expect(t.summary).not.toContain('hunter2');
  });

  it.each<[string, Partial<TargetInput>, RegExp]>([
    ['nothing at all', {}, /^no database URL: pass --database-url/],
    ['only PGUSER and PGPASSWORD', { env: { PGUSER: 'a', PGPASSWORD: 'b' } }, /^no database URL/],
    [
      'PGSERVICE naming no service',
      { env: { PGSERVICE: 'prod' } },
      /^PGSERVICE: definition of service "prod" not found \(looked in \/home\/op\/\.pg_service\.conf and \/etc\/postgresql-common\/pg_service\.conf/,
    ],
    [
      'channel_binding not a mode',
      { url: url('postgres://h/c?channel_binding=yes') },
      /channel_binding must be one of disable, prefer, require, got "yes"/,
    ],
    [
      'several hosts in the URL',
      { url: url('postgres://u@h1:5432,h2:5433/c') },
      /^Setting 'database-url' \(--database-url\): the URL names several hosts \(h1:5432,h2:5433\)/,
    ],
    ['several hosts in PGHOST', { env: { PGHOST: 'a,b', PGDATABASE: 'c' } }, /^PGHOST: names several hosts \(a,b\)/],
    [
      "several hosts in the URL's host parameter: the same check as PGHOST's",
      { url: url('postgres://u@h/c?host=a,b') },
      /^Setting 'database-url' \(--database-url\): names several hosts \(a,b\): aibridge-migrate connects to exactly one server/,
    ],
    [
      "the URL's port parameter: the same check as PGPORT's",
      { url: url('postgres://u@h/c?port=0') },
      /^Setting 'database-url' \(--database-url\): the port must be a number from 1 to 65535, got "0"$/,
    ],
    ['a bad PGPORT', { env: { PGHOST: 'h', PGPORT: 'abc' } }, /^PGPORT: the port must be a number from 1 to 65535, got "abc"/],
    [
      'hostaddr that is a name',
      { env: { PGHOSTADDR: 'db.internal', PGDATABASE: 'c' } },
      /^PGHOSTADDR: hostaddr must be a numeric IP address/,
    ],
    ['an unsupported URL parameter', { url: url('postgres://u@h/c?pgbouncer=true') }, /the URL parameter "pgbouncer" is not supported/],
    ['ssl=true (not libpq)', { url: url('postgres://u@h/c?ssl=true') }, /use sslmode=require/],
  ])('refused: %s', (_name, input, expected) => {
    expect(problems(input)[0]).toMatch(expected);
  });
});

describe('the URL from a file (a mounted secret)', () => {
  const file = (value: string): TargetInput['url'] => ({
    kind: 'file',
    value,
    setting: 'database-url-file',
    source: '--database-url-file',
  });

  it('reads it, ignoring the trailing newline', () => {
    const t = target({ url: file('/run/secrets/db') }, fakeIo({ '/run/secrets/db': 'postgres://app:pw@db:5432/coder\n' }));
    expect([t.label, t.secrets.password]).toEqual(['db:5432/coder', 'pw']);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['missing', {}, /^Setting 'database-url-file' \(--database-url-file\): cannot read the file \/run\/secrets\/db: no such file$/],
    ['empty', { '/run/secrets/db': '\n' }, /the file \/run\/secrets\/db is empty/],
    [
      'not a URL',
      { '/run/secrets/db': 'host=db password=hunter2\n' },
      /the file \/run\/secrets\/db does not hold a usable URL: it is not a URL/,
    ],
    ['another scheme', { '/run/secrets/db': 'mysql://u:hunter2@db/c' }, /the URL scheme must be postgres/],
  ])('names the file, never its content: %s', (_name, files, expected) => {
    const [problem] = problems({ url: file('/run/secrets/db') }, fakeIo(files));
    expect(problem).toMatch(expected);
    expect(problem).not.toContain('hunter2');
  });
});

describe('~/.pgpass, with libpq rules', () => {
  const pgpass = [
    '# comment',
    'other:5432:*:app:nope',
    'db:5432:coder:app:from-pgpass',
    'localhost:*:*:*:local-pw',
    'esc\\:aped:5432:*:*:pa\\:ss',
  ].join('\n');

  it.each<[string, Partial<TargetInput>, string | null]>([
    ['the first matching line', { url: url('postgres://app@db/coder') }, 'from-pgpass'],
    ['a wildcard line, for the default socket (matched as localhost)', { url: url('postgresql:///coder') }, 'local-pw'],
    ['no line matches', { url: url('postgres://app@db/other') }, null],
    ['PGPASSWORD wins over the file', { url: url('postgres://app@db/coder'), env: { PGPASSWORD: 'env-pw' } }, 'env-pw'],
    ['escaped colons', { url: url('postgres://x@esc%3Aaped/c') }, 'pa:ss'],
  ])('%s', (_name, input, expected) => {
    expect(target(input, fakeIo({ [`${HOME}/.pgpass`]: pgpass })).secrets.password).toBe(expected);
  });

  it('PGPASSFILE names another file', () => {
    const t = target(
      { url: url('postgres://app@db/coder'), env: { PGPASSFILE: '/etc/pgpass' } },
      fakeIo({ '/etc/pgpass': 'db:5432:coder:app:elsewhere' }),
    );
    expect([t.secrets.password, t.passwordFrom]).toEqual(['elsewhere', '/etc/pgpass']);
  });

  it('a file others can read is ignored with a warning, as libpq does', () => {
    const resolved = resolve({ url: url('postgres://app@db/coder') }, fakeIo({ [`${HOME}/.pgpass`]: { text: pgpass, mode: 0o100644 } }));
    expect(resolved.ok && resolved.target.secrets.password).toBeNull();
    expect(resolved.ok && resolved.notes).toEqual([
      { level: 'warn', message: expect.stringMatching(/has group or world access; permissions should be u=rw \(0600\)/) },
    ]);
  });

  it('parses and matches like libpq', () => {
    expect(parsePgpass('a:1:b:c:d:e\nbroken\n#x:1:2:3:4')).toEqual([{ host: 'a', port: '1', database: 'b', user: 'c', password: 'd:e' }]);
    expect(findPgpassPassword(parsePgpass('*:*:*:*:any'), { host: 'h', port: '1', database: 'd', user: 'u' })).toBe('any');
    expect(pgpassUnsafe(0o100600, true)).toBeNull();
    expect(pgpassUnsafe(0o100640, true)).toMatch(/group or world/);
    expect(pgpassUnsafe(0o040700, false)).toMatch(/not a plain file/);
  });
});

describe('TLS with libpq meaning', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
  const opt = (value: string, setting: string) => ({ value, setting, source: `--${setting}` });

  it.each<[string, Partial<TargetInput>, Record<string, string>, { mode: string; verify: string; attempt: boolean }]>([
    ['default: prefer, no verification', { url: url('postgres://u@db/c') }, {}, { mode: 'prefer', verify: 'none', attempt: true }],
    ['sslmode in the URL', { url: url('postgres://u@db/c?sslmode=disable') }, {}, { mode: 'disable', verify: 'none', attempt: false }],
    [
      'PGSSLMODE fills in',
      { url: url('postgres://u@db/c'), env: { PGSSLMODE: 'require' } },
      {},
      { mode: 'require', verify: 'none', attempt: true },
    ],
    [
      'the URL wins over PGSSLMODE',
      { url: url('postgres://u@db/c?sslmode=require'), env: { PGSSLMODE: 'disable' } },
      {},
      { mode: 'require', verify: 'none', attempt: true },
    ],
    [
      '--sslmode wins over the URL',
      { url: url('postgres://u@db/c?sslmode=require'), sslmode: opt('disable', 'sslmode') },
      {},
      { mode: 'disable', verify: 'none', attempt: false },
    ],
    [
      'require with a root certificate checks the chain (verify-ca)',
      { url: url('postgres://u@db/c?sslmode=require&sslrootcert=/ca.pem') },
      { '/ca.pem': ca },
      { mode: 'require', verify: 'ca', attempt: true },
    ],
    [
      'require with ~/.postgresql/root.crt present: verify-ca too',
      { url: url('postgres://u@db/c?sslmode=require') },
      { [`${HOME}/.postgresql/root.crt`]: ca },
      { mode: 'require', verify: 'ca', attempt: true },
    ],
    [
      'verify-full with PGSSLROOTCERT',
      { url: url('postgres://u@db/c?sslmode=verify-full'), env: { PGSSLROOTCERT: '/ca.pem' } },
      { '/ca.pem': ca },
      { mode: 'verify-full', verify: 'full', attempt: true },
    ],
    [
      'verify-full with the system store',
      { url: url('postgres://u@db/c?sslmode=verify-full&sslrootcert=system') },
      {},
      { mode: 'verify-full', verify: 'full', attempt: true },
    ],
    [
      'a Unix socket never uses TLS',
      { url: url('postgresql:///c?sslmode=require') },
      {},
      { mode: 'require', verify: 'none', attempt: false },
    ],
  ])('%s', (_name, input, files, expected) => {
    const t = target(input, fakeIo(files));
    expect({ mode: t.tls.mode, verify: t.tls.verify, attempt: t.tls.attempt }).toEqual(expected);
  });

  it('reads the root certificate once, at resolution, and keeps it off the enumerable fields', () => {
    const t = target(
      { url: url('postgres://u@db/c?sslmode=verify-ca'), sslRootCert: opt('/ca.pem', 'ssl-root-cert') },
      fakeIo({ '/ca.pem': ca }),
    );
    expect(t.secrets.ca).toBe(ca);
    expect(t.tls.rootCert).toEqual({ path: '/ca.pem', from: '--ssl-root-cert' });
    expect(JSON.stringify(t)).not.toContain('BEGIN CERTIFICATE');
  });

  it.each<[string, Partial<TargetInput>, Record<string, string | { text: string; mode: number }>, RegExp]>([
    [
      'a missing root certificate file named by a flag',
      { url: url('postgres://u@db/c'), sslmode: opt('verify-full', 'sslmode'), sslRootCert: opt('/nope.pem', 'ssl-root-cert') },
      {},
      /^Setting 'ssl-root-cert' \(--ssl-root-cert\): cannot read the root certificate file \/nope\.pem: no such file$/,
    ],
    [
      'a missing file named by PGSSLROOTCERT',
      { url: url('postgres://u@db/c'), env: { PGSSLROOTCERT: '/gone.pem' } },
      {},
      /^PGSSLROOTCERT: cannot read the root certificate file \/gone\.pem/,
    ],
    [
      'verify-full with no root certificate anywhere',
      { url: url('postgres://u@db/c?sslmode=verify-full') },
      {},
      /sslmode=verify-full needs the CA certificate .* \/home\/op\/\.postgresql\/root\.crt does not exist/,
    ],
    [
      'sslrootcert=system with a weaker mode',
      { url: url('postgres://u@db/c?sslmode=require&sslrootcert=system') },
      {},
      /sslrootcert=system needs sslmode=verify-full/,
    ],
    [
      'a client certificate without its key',
      { url: url('postgres://u@db/c'), sslCert: opt('/c.crt', 'ssl-cert') },
      { '/c.crt': 'x' },
      /a client certificate needs its private key/,
    ],
    [
      'a private key others may read',
      { url: url('postgres://u@db/c'), sslCert: opt('/c.crt', 'ssl-cert'), sslKey: opt('/c.key', 'ssl-key') },
      { '/c.crt': 'x', '/c.key': { text: 'k', mode: 0o100644 } },
      /^Setting 'ssl-key' \(--ssl-key\): the private key file \/c\.key has group or world access/,
    ],
    ['sslmode allow', { url: url('postgres://u@db/c?sslmode=allow') }, {}, /allow .* is not supported; use prefer or disable/],
    [
      'sslmode no-verify (a pg-only alias)',
      { url: url('postgres://u@db/c'), env: { PGSSLMODE: 'no-verify' } },
      {},
      /^PGSSLMODE: sslmode no-verify is not a libpq sslmode; use require/,
    ],
  ])('refused with the file or variable named: %s', (_name, input, files, expected) => {
    expect(problems(input, fakeIo(files))[0]).toMatch(expected);
  });
});

describe('connect timeout', () => {
  it.each<[string, Partial<TargetInput>, number]>([
    ['default 10 s', { url: url('postgres://u@h/c') }, 10_000],
    ['connect_timeout in the URL (seconds)', { url: url('postgres://u@h/c?connect_timeout=5') }, 5_000],
    ['PGCONNECT_TIMEOUT', { url: url('postgres://u@h/c'), env: { PGCONNECT_TIMEOUT: '7' } }, 7_000],
    ['1 is raised to 2 seconds, as libpq does', { url: url('postgres://u@h/c?connect_timeout=1') }, 2_000],
    ['0 waits indefinitely', { url: url('postgres://u@h/c?connect_timeout=0') }, 0],
    [
      '--connect-timeout wins',
      {
        url: url('postgres://u@h/c?connect_timeout=5'),
        connectTimeoutMs: { value: 300, setting: 'connect-timeout', source: '--connect-timeout' },
      },
      300,
    ],
  ])('%s', (_name, input, expected) => {
    expect(target(input).connectTimeoutMs).toBe(expected);
  });
});

describe('URL parsing', () => {
  it('decodes every part and keeps query parameters', () => {
    expect(parseDatabaseUrl('postgresql://us%40er:p%2Fw@h:1/d%20b?sslmode=require&application_name=x&keepalives=1')).toEqual({
      ok: true,
      parts: { user: 'us@er', password: 'p/w', host: 'h', port: '1', dbname: 'd b', sslmode: 'require', application_name: 'x' },
    });
  });

  it('never quotes a password back', () => {
    for (const raw of ['postgres://u:hunter2@:5432/c', 'http://u:hunter2@h/c', 'postgres://u:hunter2@h1,h2/c']) {
      const parsed = parseDatabaseUrl(raw);
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.problem).not.toContain('hunter2');
    }
    expect(redactUrl('x postgres://u:hunter2@h/c?password=hunter2')).not.toContain('hunter2');
  });
});

describe('connection service files (libpq order: URL > service > PG* variables)', () => {
  const services = {
    [`${HOME}/.pg_service.conf`]: '# mine\n[prod]\nhost=db.user\nport=6543\ndbname=coder\nsslmode=disable\n',
    '/etc/pg/pg_service.conf': '[prod]\nhost=db.system\n[other]\nhost = db.other\n user = svc \nchannel_binding=require\nsslmode=require\n',
    '/srv/services.conf': '[prod]\nhost=db.named\nkeepalives=1\n',
  };
  it.each<[string, Partial<TargetInput>, { label: string; user?: string }]>([
    ['PGSERVICE: the per-user file', { env: { PGSERVICE: 'prod' } }, { label: 'db.user:6543/coder' }],
    [
      'PGSERVICEFILE replaces ~/.pg_service.conf',
      { env: { PGSERVICE: 'prod', PGSERVICEFILE: '/srv/services.conf' } },
      { label: 'db.named:5432/op' },
    ],
    [
      'the system file (PGSYSCONFDIR) when the user file lacks it',
      { env: { PGSERVICE: 'other', PGSYSCONFDIR: '/etc/pg' } },
      { label: 'db.other:5432/svc', user: 'svc' },
    ],
    [
      "service= in the URL; the URL's own parts win",
      { url: url('postgres://app@/mine?service=prod') },
      { label: 'db.user:6543/mine', user: 'app' },
    ],
    ['the service beats PG* variables', { env: { PGSERVICE: 'prod', PGHOST: 'db.env', PGPORT: '7000' } }, { label: 'db.user:6543/coder' }],
  ])('%s', (_name, input, expected) => {
    const t = target(input, fakeIo(services));
    expect(t.label).toBe(expected.label);
    if (expected.user) expect(t.user).toBe(expected.user);
  });

  it('takes sslmode and channel_binding from the service', () => {
    const t = target({ env: { PGSERVICE: 'other', PGSYSCONFDIR: '/etc/pg' } }, fakeIo(services));
    expect([t.tls.mode, t.channelBinding]).toEqual(['require', 'require']);
    expect(t.summary).toContain('service "other" from PGSERVICE');
  });

  it('refuses an unknown parameter and a nested service, naming file and line', () => {
    expect(problems({ env: { PGSERVICE: 'x' } }, fakeIo({ [`${HOME}/.pg_service.conf`]: '[x]\nhost=h\nbogus=1\n' }))).toEqual([
      `service "x" in ${HOME}/.pg_service.conf line 3: "bogus" is not a connection parameter aibridge-migrate supports (host, hostaddr, port, dbname, user, password, passfile, sslmode, sslrootcert, sslcert, sslkey, connect_timeout, application_name, options, channel_binding, service)`,
    ]);
    expect(problems({ env: { PGSERVICE: 'x' } }, fakeIo({ [`${HOME}/.pg_service.conf`]: '[x]\nservice=y\n' }))[0]).toMatch(
      /line 2: nested service specifications are not supported/,
    );
  });

  it('channel_binding=require needs TLS: refused over sslmode=disable', () => {
    expect(problems({ url: url('postgres://h/c?sslmode=disable&channel_binding=require') })[0]).toMatch(
      /channel_binding=require needs TLS, and sslmode=disable turns it off/,
    );
  });
});
