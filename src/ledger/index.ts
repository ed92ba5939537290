/** The backfill ledger: the only code that reads or writes backfill_runs and backfill_ranges. */
export * from './rows.js';
export * from './runs.js';
export * from './ranges.js';
export * from './checkpoint.js';
export * from './waits.js';
export * from './control.js';
