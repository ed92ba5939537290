/** The latest backfill run as one table row, the same cells in every report that shows it as a table. */
import type { Report } from './model.js';
import { formatCount, formatSignedCount } from '../text/format.js';

type LedgerRun = NonNullable<Report['count_parity']['ledger_run']>;

export const LEDGER_RUN_HEADER = ['Run', 'Status', 'Rows at start', 'Rows now', 'Created since', 'Unexplained', 'Rows updated'];

/** The row's cells, unescaped; a count the ledger cannot know shows as `?`. The first two are text, the rest counts. */
export function ledgerRunCells(run: LedgerRun): string[] {
  const count = (n: number | null, format = formatCount) => (n === null ? '?' : format(n));
  return [
    run.run_id,
    run.status,
    count(run.table_rows_at_start),
    count(run.rows_now),
    count(run.rows_created_since_start),
    count(run.rows_unexplained, formatSignedCount),
    formatCount(run.rows_updated),
  ];
}
