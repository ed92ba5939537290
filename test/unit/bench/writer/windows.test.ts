import { describe, expect, it } from 'vitest';
import { summarizeWindows } from '../../../../bench/writer/windows.js';

describe('summarizeWindows', () => {
  it('puts a statement in the window it was due in, however late it finished', () => {
    const samples = [
      { dueAt: 100, latencyMs: 2, kind: 'insert' as const, ok: true },
      { dueAt: 199, latencyMs: 5000, kind: 'update' as const, ok: true },
      { dueAt: 200, latencyMs: 900, kind: 'insert' as const, ok: false },
    ];
    const [idle, during] = summarizeWindows(samples, [
      { name: 'idle', from: 0, to: 200 },
      { name: 'a', from: 200, to: 300 },
    ]);
    expect(idle).toMatchObject({ count: 2, maxMs: 5000, errors: 0, durationMs: 200 });
    expect(during).toMatchObject({ count: 1, maxMs: 900, errors: 1 });
  });
});
