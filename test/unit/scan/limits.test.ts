/**
 * The server's limits against a walk held in one snapshot: chunk aims, refusals that name the
 * setting, and the projection against transaction_timeout.
 */
import { describe, expect, it } from 'vitest';
import { CHUNK_TARGET_MS, chunkTargetMs, limitProblem, projectionProblem, type SessionLimits } from '../../../src/scan/limits.js';

const limits = (over: Partial<SessionLimits> = {}): SessionLimits => ({
  statementTimeoutMs: 0,
  idleInTransactionMs: 0,
  transactionTimeoutMs: null,
  ...over,
});

describe('chunkTargetMs', () => {
  it.each([
    [0, CHUNK_TARGET_MS],
    [60_000, CHUNK_TARGET_MS],
    [1_000, 200],
    [300, 75],
    [100, 25],
    [10, 5],
  ])('statement_timeout %i ms: chunks aimed at %i ms', (statementTimeoutMs, target) => {
    expect(chunkTargetMs({ statementTimeoutMs })).toBe(target);
  });
});

describe('limitProblem', () => {
  it('accepts no limits, and generous ones', () => {
    expect(limitProblem(limits(), 'verify')).toBeNull();
    expect(
      limitProblem(limits({ statementTimeoutMs: 1_000, idleInTransactionMs: 60_000, transactionTimeoutMs: 600_000 }), 'verify'),
    ).toBeNull();
  });

  it('refuses idle_in_transaction_session_timeout below what a wait between chunks needs, naming it', () => {
    const problem = limitProblem(limits({ idleInTransactionMs: 500 }), 'verify')!;
    expect(problem.code).toBe('PREFLIGHT');
    expect(problem.message).toMatch(/^idle_in_transaction_session_timeout is 500ms .*verify.*needs at least 1.0s/);
    expect(problem.hint).toMatch(/idle_in_transaction_session_timeout/);
    expect(problem.details).toMatchObject({ setting: 'idle_in_transaction_session_timeout', value_ms: 500, needed_ms: 1_000 });
  });

  it('refuses transaction_timeout below the floor of any walk, naming it', () => {
    const problem = limitProblem(limits({ transactionTimeoutMs: 1_000 }), 'backfill --dry-run')!;
    expect(problem.message).toMatch(/^transaction_timeout is 1.0s .*backfill --dry-run/);
    expect(problem.details).toMatchObject({ setting: 'transaction_timeout', needed_ms: 2_000 });
  });
});

describe('projectionProblem', () => {
  const capped = limits({ transactionTimeoutMs: 60_000 });
  it('says nothing before the walk has shown a rate', () => {
    expect(projectionProblem(capped, { elapsedMs: 500, walkMs: 500, fraction: 0.001 }, 'verify')).toBeNull();
  });
  it('says nothing when the projection fits', () => {
    expect(projectionProblem(capped, { elapsedMs: 2_000, walkMs: 2_000, fraction: 0.1 }, 'verify')).toBeNull();
  });
  it('stops a walk that would outlast the transaction, with the projected time', () => {
    const problem = projectionProblem(capped, { elapsedMs: 10_000, walkMs: 10_000, fraction: 0.1 }, 'verify')!;
    expect(problem.message).toMatch(/transaction_timeout is 1m00s .* needs about 2m03s .*stopped after 10% of the table/);
    expect(problem.details).toMatchObject({ setting: 'transaction_timeout', projected_ms: 122_500 });
  });
  it('says nothing without a transaction_timeout', () => {
    expect(projectionProblem(limits(), { elapsedMs: 1e9, walkMs: 1e9, fraction: 0.01 }, 'verify')).toBeNull();
  });
});
