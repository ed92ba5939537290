import { describe, expect, it } from 'vitest';
import type { LoadedRun } from '../../../../bench/load.js';
import { judgeTargets } from '../../../../bench/report/model.js';
import { measurement } from '../../../harness/bench-measurement.js';

function loaded(id: LoadedRun['id'], idleP99: number, duringP99: number): LoadedRun {
  const window = (name: string, p99: number) => ({ name, durationMs: 1, errors: 0, count: 10, p50Ms: 1, p99Ms: p99, maxMs: p99 });
  return {
    id,
    label: id,
    status: 'ok',
    error: null,
    wallMs: 1,
    idle: window('idle', idleP99),
    during: window(id, duringP99),
    writerErrors: 0,
    writerFirstError: null,
    abandonedStatements: 0,
  };
}

describe('judgeTargets', () => {
  const a = measurement('a', { wallMs: 10_000, walBytes: 600, heapBytesAfter: 340 });
  const load = {
    writerRate: 50,
    idleSeconds: 5,
    poolSize: 4,
    idleBaseline: { count: 20, p50Ms: 1, p99Ms: 2, maxMs: 3 },
    // The pooled baseline is what (b) is judged against, not (b)'s own idle window.
    runs: [loaded('a', 2, 900), loaded('b', 1, 5)],
  };

  it('judges each target against its limit, with the factor', () => {
    const targets = judgeTargets(
      [
        a,
        measurement('b', {
          wallMs: 7000,
          walBytes: 420,
          heapBytesAfter: 190,
          longestTransaction: {
            longestMs: 300,
            longestApplication: 'x',
            longestQuery: null,
            transactionsSeen: 9,
            longestWritingMs: 200,
            longestWritingQuery: null,
            samples: 9,
            intervalMs: 20,
            backendCpuMs: 900,
          },
        }),
        measurement('d', { wallMs: 400 }),
        measurement('e', { wallMs: 1500 }),
      ],
      load,
    );
    const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
    expect(byId['b-wall']).toMatchObject({ value: 0.7, met: true });
    expect(byId['b-longest-transaction']).toMatchObject({ value: 300, met: false, factor: 1.2 });
    expect(byId['b-wal']).toMatchObject({ value: 0.7, met: false });
    expect(byId['b-heap']!.met).toBe(true);
    expect(byId['d-wall']).toMatchObject({ value: 0.04, met: true });
    expect(byId['e-wall']).toMatchObject({ value: 0.15, met: false });
    expect(byId['writer-p99']).toMatchObject({ value: 2.5, met: false });
  });

  it('says why a target could not be judged: not run, or failed', () => {
    const targets = judgeTargets([a, measurement('b', { status: 'failed' })], null);
    const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
    expect(byId['b-wall']).toMatchObject({ met: null, value: null, why: '(b) failed' });
    expect(byId['d-wall']!.why).toBe('(d) was not run');
    expect(byId['writer-p99']!.why).toBe('the load phase was skipped');
  });
});
