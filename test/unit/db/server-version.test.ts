import { describe, expect, it } from 'vitest';
import { judgeServerVersion, majorOf, NEWEST_TESTED_MAJOR } from '../../../src/db/server-version.js';
import { statusServer } from '../../../src/migrate/status.js';

describe('judgeServerVersion', () => {
  it.each([
    ['12.22', 120022, 'unsupported'],
    ['13.23', 130023, 'end_of_life'],
    ['14.23', 140023, 'supported'],
    ['15.18 (Debian 15.18-1.pgdg120+1)', 150018, 'supported'],
    ['16.14', 160014, 'supported'],
    ['17.10', 170010, 'supported'],
    ['18.4', 180004, 'supported'],
    ['19beta1', 190000, 'newer_than_tested'],
  ] as const)('PostgreSQL %s is %s', (text, num, status) => {
    expect(judgeServerVersion({ num, text }).status).toBe(status);
  });

  it('13 works but is past its end of life: one line naming the date, the key-order walk and the way out', () => {
    const support = judgeServerVersion({ num: 130023, text: '13.23' });
    expect(support).toEqual({ status: 'end_of_life', major: 13, warning: expect.any(String) });
    const { warning } = support as { warning: string };
    expect(warning).not.toContain('\n');
    expect(warning).toMatch(/^PostgreSQL 13\.23 is past its end of life \(November 2025\)/);
    expect(warning).toMatch(/key order/);
    expect(warning).toMatch(/upgrade to 14 or newer/);
  });

  it('14 to the newest tested major carry no warning', () => {
    for (let major = 14; major <= NEWEST_TESTED_MAJOR; major++) {
      expect(judgeServerVersion({ num: major * 10000 + 1, text: `${major}.1` })).toEqual({ status: 'supported', major, warning: null });
    }
  });

  it('a major newer than tested is let through with a warning naming the tested range', () => {
    const support = judgeServerVersion({ num: 190001, text: '19.1' });
    expect(support.status).toBe('newer_than_tested');
    expect((support as { warning: string }).warning).toMatch(/PostgreSQL 19\.1 is newer than .* \(13 to 18\)/);
  });

  it('below 13: refused with the problem and the fix', () => {
    expect(judgeServerVersion({ num: 120015, text: '12.15' })).toEqual({
      status: 'unsupported',
      major: 12,
      problem: 'The server runs PostgreSQL 12.15; aibridge-migrate supports PostgreSQL 13 and newer.',
      fix: expect.stringMatching(/^Upgrade the server/),
    });
  });

  it('majorOf reads the major from server_version_num', () => {
    expect([130023, 140000, 180004, 190000].map(majorOf)).toEqual([13, 14, 18, 19]);
  });
});

describe('statusServer', () => {
  it('on 13: end of life with the warning, for status and status --json alike', () => {
    const version = { num: 130023, text: '13.23' };
    expect(statusServer(version)).toEqual({
      version,
      support: 'end_of_life',
      warning: (judgeServerVersion(version) as { warning: string }).warning,
    });
  });

  it('on 18: supported, no warning', () => {
    expect(statusServer({ num: 180004, text: '18.4' })).toEqual({
      version: { num: 180004, text: '18.4' },
      support: 'supported',
      warning: null,
    });
  });

  it('below 13: status still only reports (preflight is what refuses), with the fix in the warning', () => {
    const server = statusServer({ num: 120015, text: '12.15' });
    expect(server.support).toBe('unsupported');
    expect(server.warning).toMatch(/supports PostgreSQL 13 and newer\. Upgrade the server/);
  });
});
