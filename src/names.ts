/**
 * Every name the toolkit gives to or reads from the database, in one place. The column names
 * come from the rule, which says which column each of its outputs fills.
 */
import { qualify } from './db/identifier.js';
import { CACHE_TOKEN_RULE } from './rule/definition.js';

/** Coder's table of token-usage events: the table this toolkit changes. */
export const TOKEN_USAGES = 'aibridge_token_usages';
/** Coder's table of proxied requests: provider, model and session of each usage row. */
export const INTERCEPTIONS = 'aibridge_interceptions';

export const READ_COLUMN = CACHE_TOKEN_RULE.outputs[0].column;
export const WRITE_COLUMN = CACHE_TOKEN_RULE.outputs[1].column;
export const CACHE_COLUMNS = [READ_COLUMN, WRITE_COLUMN] as const;

/** The backfill ledger, in the toolkit's state schema. */
export const LEDGER_RUNS = 'backfill_runs';
export const LEDGER_RANGES = 'backfill_ranges';
/** Rows a page walk's rounds moved to pages its pass has not counted yet (src/ledger/moved-rows.ts). */
export const LEDGER_MOVED_ROWS = 'backfill_moved_rows';
/** Who paused, resumed, cancelled or re-throttled a run, and when (`pause`, `resume`, `cancel`, `throttle`). */
export const LEDGER_CONTROL_LOG = 'backfill_control_log';
/** A view of each run's progress, for dashboards that read PostgreSQL directly. */
export const PROGRESS_VIEW = 'progress';

/** The qualified, quoted names a command works with, built once from the configured schemas. */
export interface Tables {
  usages: string;
  interceptions: string;
  runs: string;
  ranges: string;
  movedRows: string;
  controlLog: string;
}

/** Coder's tables in `schema`. */
export function appTables(schema: string): Pick<Tables, 'usages' | 'interceptions'> {
  return { usages: qualify(schema, TOKEN_USAGES), interceptions: qualify(schema, INTERCEPTIONS) };
}

export function tables(schema: string, stateSchema: string): Tables {
  return {
    ...appTables(schema),
    runs: qualify(stateSchema, LEDGER_RUNS),
    ranges: qualify(stateSchema, LEDGER_RANGES),
    movedRows: qualify(stateSchema, LEDGER_MOVED_ROWS),
    controlLog: qualify(stateSchema, LEDGER_CONTROL_LOG),
  };
}

/** The table a run is recorded against, as the ledger stores it (unquoted). */
export interface Target {
  schema: string;
  table: string;
}

export function target(schema: string): Target {
  return { schema, table: TOKEN_USAGES };
}
