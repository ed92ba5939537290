/**
 * The statements of a run's control as whole texts (__snapshots__/*.sql, one file per function).
 */
import { describe, expect, it } from 'vitest';
import { changeControl, clearCancel, controlExists, controlLog, readControl } from '../../../src/ledger/control.js';
import { tables } from '../../../src/names.js';
import { sentBy, statementFile } from '../../harness/statement-snapshot.js';

const t = tables('app', 'aibridge_migrate');
const issuer = { host: 'host-a', pid: 4242 };
const answer = () => [{ ok: true, control_state: 'running', max_rows_per_second: null, target_batch_ms: null }];

describe('control statements', () => {
  it.each([
    ['read-control', [['readControl', (db) => readControl(db, t, 7)]]],
    [
      'change-control',
      [['changeControl: throttle', (db) => changeControl(db, t, 7, 'throttle', issuer, (c) => ({ ...c, maxRowsPerSecond: 2000 }))]],
    ],
    ['clear-cancel', [['clearCancel', (db) => clearCancel(db, t, 7, issuer)]]],
    ['control-log', [['controlLog', (db) => controlLog(db, t, 7, 10)]]],
    ['control-exists', [['controlExists', (db) => controlExists(db, t)]]],
  ] satisfies [string, [string, Parameters<typeof sentBy>[1]][]][])('%s is pinned', async (file, calls) => {
    const statements = [];
    for (const [title, run] of calls) statements.push(...(await sentBy(title, run, answer)));
    await expect(statementFile(statements)).toMatchFileSnapshot(`__snapshots__/${file}.sql`);
  });
});
