import { describe, expect, it } from 'vitest';
import { isDirect, judgeProbe, type FirstLook, type ProbeFacts } from '../../../../src/db/pooler/verdict.js';

const first: FirstLook = {
  pid: 100,
  backendStart: '1796000000.123456',
  clientAddr: '127.0.0.1',
  clientPort: 40000,
  serverAddr: '127.0.0.1',
  serverPort: 5432,
  at: '1796000100.5',
};
/** Our socket, when the server at 127.0.0.1:5432 sees it directly. */
const direct = { local: { address: '127.0.0.1', port: 40000 }, remote: { address: '127.0.0.1', port: 5432 } };
const same = { pid: 100, backendStart: '1796000000.123456' };
/** Same pid, another start: the pid was reused by a later server session. */
const reused = { pid: 100, backendStart: '1796000050.000001' };
const other = { pid: 200, backendStart: '1796000010.5' };
/** Our server session as a helper sees it when nobody else used it: idle since our ROLLBACK. */
const untouched = { state: 'idle', query: 'ROLLBACK', stateChange: '1796000100.501' };

function facts(overrides: Partial<Extract<ProbeFacts, { transactionRefused: null }>>): ProbeFacts {
  return { transactionRefused: null, first, socket: null, helpers: [], helpersCut: null, later: [same, same], ...overrides };
}

describe('isDirect: the server sees this socket itself', () => {
  it.each([
    ['both ends the same', direct, true],
    [
      'IPv4-mapped addresses of the same socket',
      { local: { address: '::ffff:127.0.0.1', port: 40000 }, remote: { address: '::ffff:127.0.0.1', port: 5432 } },
      true,
    ],
    [
      'another port on our side (a pooler or proxy connects from its own socket)',
      { ...direct, local: { address: '127.0.0.1', port: 40001 } },
      false,
    ],
    ['another address on our side', { ...direct, local: { address: '10.0.0.7', port: 40000 } }, false],
    [
      'our address and port, but we dialled a pooler on this host that got the same port for its own connection to the server',
      { ...direct, remote: { address: '127.0.0.1', port: 6432 } },
      false,
    ],
    ['our address and port, but we dialled another host', { ...direct, remote: { address: '10.0.0.9', port: 5432 } }, false],
    ['a Unix socket on our side', null, false],
  ])('%s', (_, socket, expected) => {
    expect(isDirect(first, socket)).toBe(expected);
  });

  it('is not direct when the server sees a Unix socket client', () => {
    expect(isDirect({ clientAddr: null, clientPort: null, serverAddr: null, serverPort: null }, direct)).toBe(false);
  });
});

describe('judgeProbe', () => {
  it.each<[string, ProbeFacts, { kind: string; mode?: string; pids?: number[]; text: RegExp }]>([
    [
      'a refused BEGIN is statement pooling',
      { transactionRefused: 'transaction blocks not allowed in statement pooling mode' },
      { kind: 'pooled', mode: 'statement', pids: [], text: /refused a transaction block \("transaction blocks not allowed/ },
    ],
    [
      'a direct connection needs no other look',
      facts({ socket: direct, later: [] }),
      { kind: 'session', text: /direct connection \(backend pid 100\)/ },
    ],
    [
      'a second connection handed our server session is transaction pooling, even when our own transactions stayed on it',
      facts({ helpers: [{ ...same, fresh: false, firstSession: untouched }], later: [] }),
      {
        kind: 'pooled',
        mode: 'transaction',
        pids: [100],
        text: /second connection to the same URL was handed this connection's server session \(backend pid 100\)/,
      },
    ],
    [
      'later transactions in another server session are transaction pooling',
      facts({ helpers: [{ ...other, fresh: true, firstSession: untouched }], later: [same, other] }),
      { kind: 'pooled', mode: 'transaction', pids: [100, 200], text: /different server sessions \(backend pids 100, 200\)/ },
    ],
    [
      'a reused pid with another start is another server session',
      facts({ helpers: [{ ...other, fresh: true, firstSession: untouched }], later: [reused, reused] }),
      { kind: 'pooled', mode: 'transaction', pids: [100], text: /different server sessions/ },
    ],
    [
      'a proxy or session pooler: the helper got a fresh server session, ours stayed',
      facts({ helpers: [{ ...other, fresh: true, firstSession: untouched }] }),
      { kind: 'session', text: /stayed in one server session \(backend pid 100\) and a second connection got a server session of its own/ },
    ],
    [
      'a session pooler with idle server sessions: three helpers were never handed ours',
      facts({
        helpers: [
          { ...other, fresh: false, firstSession: untouched },
          { pid: 201, backendStart: '1', fresh: false, firstSession: untouched },
          { pid: 202, backendStart: '2', fresh: false, firstSession: untouched },
        ],
      }),
      { kind: 'session', text: /3 other connections were never handed it/ },
    ],
    [
      'a helper saw our server session busy: another client runs in it, so transaction pooling, though our own transactions stayed on it',
      facts({ helpers: [{ ...other, fresh: false, firstSession: { ...untouched, state: 'active', query: 'SELECT 1' } }] }),
      {
        kind: 'pooled',
        mode: 'transaction',
        pids: [100],
        text: /another client's statements ran in this connection's server session \(backend pid 100\)/,
      },
    ],
    [
      'a helper saw our server session idle after a statement that was not ours',
      facts({ helpers: [{ ...other, fresh: true, firstSession: { ...untouched, query: 'COMMIT' } }] }),
      { kind: 'pooled', mode: 'transaction', pids: [100], text: /another client's statements ran/ },
    ],
    [
      "our server session changed state between two helpers' looks, though each saw it idle after a ROLLBACK",
      facts({
        helpers: [
          { ...other, fresh: false, firstSession: untouched },
          { pid: 201, backendStart: '1', fresh: false, firstSession: { ...untouched, stateChange: '1796000100.9' } },
        ],
      }),
      { kind: 'pooled', mode: 'transaction', pids: [100], text: /another client's statements ran/ },
    ],
    [
      "another role's session shows no state or statement: no evidence either way",
      facts({
        helpers: [{ ...other, fresh: true, firstSession: { state: null, query: '<insufficient privilege>', stateChange: null } }],
      }),
      { kind: 'session', text: /a second connection got a server session of its own/ },
    ],
    [
      'no helper could look (a saturated pool): our own transactions decide, and the reason says so',
      facts({ helpers: [], helpersCut: 'no server connection came free within 5000 ms' }),
      { kind: 'session', text: /no second connection could be opened to check it \(no server connection came free within 5000 ms\)/ },
    ],
  ])('%s', (_, probe, expected) => {
    const verdict = judgeProbe(probe);
    expect(verdict.kind).toBe(expected.kind);
    if (verdict.kind === 'pooled') {
      expect(verdict.mode).toBe(expected.mode);
      expect(verdict.backendPids).toEqual(expected.pids);
      expect(verdict.evidence).toMatch(expected.text);
    } else {
      expect(verdict.reason).toMatch(expected.text);
    }
  });
});
