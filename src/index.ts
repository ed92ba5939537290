/**
 * aibridge-migrate's programmatic API, for deploy scripts that would rather call functions
 * than parse CLI output. Every function takes the same options as the CLI flags (camelCase),
 * validates them with the same schemas, and either returns a typed result or throws a
 * ToolkitError whose `code` and `exitCode` match the CLI's.
 *
 * The connection: `databaseUrl` (or `databaseUrlFile`, a file holding it) plus the TLS options
 * (`sslmode`, `sslRootCert`, `sslCert`, `sslKey`), with libpq's meaning; what they leave out
 * comes from the libpq variables of the process (PGHOST, PGPORT, PGUSER, PGPASSWORD,
 * ~/.pgpass, PGDATABASE, PGSSLMODE, …), and without a URL those alone say where to go. The
 * CLI's own variables (AIBRIDGE_MIGRATE_*, DATABASE_URL) and config files are not read here.
 *
 * Bad options, one shape for every entry point: the promise rejects with a UsageError
 * (`code: 'USAGE'`, `exitCode: 2`) before anything connects. `error.problems` lists every
 * problem as `Setting '<option>' (options.<key>): <problem>` — e.g.
 * `Setting 'batch-size' (options.batchSize): must be between 1 and 1000000, got 0` — and
 * `error.details.problems` holds the same as `{ setting, source, message }` objects
 * (SettingProblem). Only what happens after validation differs: runBackfill returns
 * `{ status: 'failed', error }` for a run that fails, the others throw.
 *
 * @example A deploy step
 *   import { migrateUp, runBackfill, verify } from 'aibridge-migrate';
 *
 *   const databaseUrl = process.env.DATABASE_URL!;
 *   await migrateUp({ databaseUrl, lockTimeout: '2s' });           // throws LockTimeoutError after its retries
 *   // … deploy the application version that writes the new columns …
 *   const backfill = await runBackfill({ databaseUrl });
 *   if (backfill.status !== 'completed') throw new Error(`backfill ${backfill.status}`);
 *   const check = await verify({ databaseUrl });
 *   if (check.status !== 'pass') throw new Error('parity does not hold');
 */
export { apply } from './apply/index.js';
export type { ApplyResult, ApplyPlan, StageRecord } from './apply/index.js';

export { migrateUp, migrateDown, migrationStatus } from './migrate/index.js';
export type {
  UpResult,
  DownResult,
  DryRunResult,
  StatusResult,
  UpOptionsInput,
  DownOptionsInput,
  StatusOptionsInput,
} from './migrate/index.js';

export { runBackfill } from './backfill/index.js';
export type { BackfillResult, BackfillSummary, BackfillEvent, BackfillInput, DryRunReport } from './backfill/index.js';

export { verify, renderReport, reportSchema, REPORT_SCHEMA_VERSION } from './verify/index.js';
export type { VerifyResult, Report } from './verify/index.js';

export {
  CACHE_TOKEN_RULE,
  ANOMALY_CLASSES,
  compileRuleSql,
  evaluateMetadata,
  evaluateMetadataText,
  ruleFingerprint,
  type AnomalyClass,
  type RuleResult,
} from './rule/index.js';

export {
  EXIT_CODES,
  ToolkitError,
  UsageError,
  ConnectionError,
  PermissionError,
  LockTimeoutError,
  PreflightError,
  DownRefusedError,
  AlreadyRunningError,
  RetriesExhaustedError,
  PoolerError,
  InterruptedError,
  CancelledError,
  formatProblem,
  type ErrorCode,
  type SettingProblem,
} from './errors.js';

export type { ConnectionTarget, SslMode } from './db/target.js';
