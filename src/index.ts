/**
 * aibridge-migrate's programmatic API, for deploy scripts that would rather call functions
 * than parse CLI output. Every function takes the same options as the CLI flags (camelCase),
 * validates them with the same schemas, and either returns a typed result or throws a
 * ToolkitError whose `code` and `exitCode` match the CLI's.
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
export { migrateUp, migrateDown, migrationStatus } from './migrate/index.js';
export type { UpResult, DownResult, DryRunResult, StatusResult, UpOptionsInput, DownOptionsInput, StatusOptionsInput } from './migrate/index.js';

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
  InterruptedError,
  type ErrorCode,
} from './errors.js';
