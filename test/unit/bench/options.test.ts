import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../../bench/options.js';

describe('parseBenchArgs', () => {
  it.each([
    [[], { rows: 1_000_000, contenders: ['a', 'b', 'c', 'd', 'e', 'f'], rounds: 1, load: true, build: true, writerRate: 50 }],
    [['--rows', '10_000_000', '--shared-buffers', '128MB'], { rows: 10_000_000, sharedBuffers: '128MB' }],
    [['--only', 'c,a', '--no-load'], { contenders: ['a', 'c'], load: false }],
    [['--only', 'b,d,e', '--no-build'], { contenders: ['b', 'd', 'e'], build: false }],
    [['--rounds', '5'], { rounds: 5 }],
    [[], { replica: false }],
    [['--replica', '--only', 'a,b'], { replica: true, contenders: ['a', 'b'] }],
    [[], { backfillArgs: [] }],
    [['--backfill-arg=--read-ahead=off', '--backfill-arg', 'x'], { backfillArgs: ['--read-ahead=off', 'x'] }],
  ])('%j → %j', (argv, expected) => {
    const parsed = parseBenchArgs(argv);
    expect(parsed.status).toBe('ok');
    if (parsed.status === 'ok') expect(parsed.options).toMatchObject(expected);
  });

  it.each([
    [['--rows', 'many'], /--rows must be an integer/],
    [['--rows', '10'], /--rows must be an integer ≥ 100/],
    [['--rounds', '0'], /--rounds must be an integer ≥ 1/],
    [['--rounds', '50'], /more than 20/],
    [['--only', 'a,x'], /unknown contender\(s\) x/],
    [['--only', 'a,d'], /\(d\) runs on the clone \(b\) backfilled; add b/],
    [['--writer-rate', '5000'], /above 1000/],
    [['--shared-buffers', 'lots'], /--shared-buffers must be a size like 128MB/],
    [['--rowz', '5'], /Unknown option '--rowz'/],
    [
      ['--replica', '--server-url', 'postgres://db/x'],
      /--replica makes a standby of the embedded server; it cannot be combined with --server-url/,
    ],
  ])('rejects %j', (argv, message) => {
    const parsed = parseBenchArgs(argv);
    expect(parsed.status).toBe('invalid');
    if (parsed.status === 'invalid') expect(parsed.problems.join('\n')).toMatch(message);
  });

  it('reports every problem at once', () => {
    const parsed = parseBenchArgs(['--rows', 'x', '--idle-seconds', '0']);
    expect(parsed.status === 'invalid' && parsed.problems).toHaveLength(2);
  });
});
