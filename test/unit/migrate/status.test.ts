/** What `status --check` lets through: a pure judgement of the pending migrations and the ledger's runs. */
import { describe, expect, it } from 'vitest';
import { judgeReadiness, type BackfillRunSummary, type StatusResult } from '../../../src/migrate/status.js';

describe('status --check', () => {
  const run = (over: Partial<BackfillRunSummary>): BackfillRunSummary => ({
    id: 3,
    direction: 'forward',
    status: 'completed',
    startedAt: new Date(0),
    updatedAt: new Date(0),
    finishedAt: new Date(0),
    rowsScanned: 10,
    rowsUpdated: 5,
    unconvergedRows: 0,
    lastError: null,
    progress: null,
    holders: [],
    waiting: null,
    control: { state: 'running', maxRowsPerSecond: null, targetBatchMs: null },
    controlLog: [],
    ...over,
  });
  const ledger = (...runs: BackfillRunSummary[]): StatusResult['backfill'] => ({
    ledger: 'aibridge_migrate.backfill_runs',
    latestRuns: runs,
  });
  const pending = [{ name: '20261128000000000_cache-token-columns', description: 'x' }];
  const progress = {
    pass: 0,
    fraction: 0.42,
    estimatedRows: 100,
    rowsRemaining: 58,
    rowsPerSecond: 10,
    ranges: { total: 1, done: 0 },
    claims: [],
  };
  const holder = { backendPid: 1, clientAddr: null, applicationName: null, since: null, mode: 'exclusive' as const, host: 'h', pid: 2 };

  it.each<[string, StatusResult['pending'], StatusResult['backfill'], string[]]>([
    ['migrated and backfilled', [], ledger(run({})), []],
    ['unconverged_rows null counts as done', [], ledger(run({ unconvergedRows: null })), []],
    ['a reverse run does not matter', [], ledger(run({}), run({ id: 4, direction: 'reverse', status: 'interrupted' })), []],
    [
      'a migration pending, ledger not there',
      pending,
      null,
      ['1 migration(s) pending (20261128000000000_cache-token-columns): run `aibridge-migrate up`'],
    ],
    ['no backfill yet', [], ledger(), ['no backfill has run yet: run `aibridge-migrate backfill`']],
    [
      'a running run',
      [],
      ledger(run({ status: 'running', progress, holders: [holder] })),
      ['backfill run #3 is still running at 42% of the first pass'],
    ],
    [
      'a running run waiting for a standby',
      [],
      ledger(
        run({
          status: 'running',
          progress,
          holders: [holder],
          waiting: {
            cause: 'replication_lag',
            detail: 'replication lag on standby "replica1": replay lag 12 s; above the 10 s limit',
            standby: 'replica1',
            replayLagMs: 12_000,
            lagBytes: null,
            since: new Date(0),
            measuredAt: new Date(0),
          },
        }),
      ),
      [
        'backfill run #3 is still running at 42% of the first pass, waiting: replication lag on standby "replica1": replay lag 12 s; above the 10 s limit',
      ],
    ],
    [
      'a paused run names who paused it',
      [],
      ledger(
        run({
          status: 'running',
          progress,
          holders: [holder],
          control: { state: 'paused', maxRowsPerSecond: null, targetBatchMs: null },
          controlLog: [
            {
              runId: 3,
              at: new Date('2026-12-05T10:00:00Z'),
              role: 'ops',
              host: 'bastion',
              pid: 9,
              clientAddr: null,
              command: 'pause',
              control: { state: 'paused', maxRowsPerSecond: null, targetBatchMs: null },
            },
          ],
        }),
      ),
      [
        'backfill run #3 is paused by ops on bastion at 2026-12-05T10:00:00.000Z at 42% of the first pass: run `aibridge-migrate resume` to continue it',
      ],
    ],
    [
      'an interrupted run',
      [],
      ledger(run({ status: 'interrupted', progress })),
      ['backfill run #3 is interrupted at 42% of the first pass: run `aibridge-migrate backfill` to resume it'],
    ],
    [
      'a completed run that left rows',
      [],
      ledger(run({ unconvergedRows: 7 })),
      ['backfill run #3 completed with 7 eligible row(s) left (written behind its walk): run `aibridge-migrate backfill` again'],
    ],
  ])('%s', (_name, pendingMigrations, backfill, missing) => {
    expect(judgeReadiness(pendingMigrations, backfill)).toEqual({ ready: missing.length === 0, missing });
  });
});
