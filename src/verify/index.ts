/**
 * Public API of verification.
 *
 * @example
 *   import { verify, renderReport } from 'aibridge-migrate/verify';
 *   const result = await verify({ databaseUrl: process.env.DATABASE_URL, maxSamples: 5 });
 *   if (result.status !== 'pass') console.log(renderReport(result.report, 'markdown'));
 */
import { connect } from '../db/connect.js';
import { requireDatabaseUrl } from '../config/common.js';
import { UsageError } from '../errors.js';
import type { Report } from '../report/model.js';
import { silentLog, systemClock } from '../runtime.js';
import { verifyOptionsSchema } from './options.js';
import { runVerify, type VerifyDeps } from './run.js';

export { classifyParity, parityClassSql, PARITY_CLASSES, FAILING_CLASSES, type ParityClass, type ParityInput } from './parity-class.js';
export { verifyOptionsSchema, type VerifyOptions } from './options.js';
export { runVerify, collectFacts, type VerifyDeps, type VerifySettings } from './run.js';
export { buildReport } from '../report/build.js';
export { renderReport } from '../report/render.js';
export { reportSchema, REPORT_SCHEMA_VERSION, type Report } from '../report/model.js';

export interface VerifyResult {
  /** pass: parity holds; fail: it does not; before_up: the cache columns do not exist yet. */
  status: Report['outcome']['status'];
  /** The exit code the CLI uses for this result (0, 1 or 5). */
  exitCode: number;
  report: Report;
}

/**
 * Validates raw options (as a config file or flags would give them), verifies, and returns
 * the report. Throws UsageError for bad options and ConnectionError / PermissionError /
 * PreflightError for a database it cannot verify; parity failures are a result, not an error.
 */
export async function verify(rawOptions: Record<string, unknown>, extra: { deps?: Partial<VerifyDeps> } = {}): Promise<VerifyResult> {
  const parsed = verifyOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => `Setting '${issue.path.join('.') || '(options)'}': ${issue.message}`));
  }
  const options = requireDatabaseUrl(parsed.data);
  const deps: VerifyDeps = {
    connect: () =>
      connect({ databaseUrl: options.databaseUrl, applicationName: 'aibridge-migrate verify', connectTimeoutMs: options.connectTimeout }),
    clock: systemClock,
    log: silentLog,
    ...extra.deps,
  };
  const report = await runVerify(options, deps);
  return { status: report.outcome.status, exitCode: report.outcome.exit_code, report };
}
