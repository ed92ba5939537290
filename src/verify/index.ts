/** Public API of verification: `verify` and what a caller needs to read its report. */
import { resolveSettings, settingsOrThrow } from '../config/resolve.js';
import { connect } from '../db/connect.js';
import type { ConnectionTarget } from '../db/target.js';
import type { Report } from '../report/model.js';
import { systemRuntime, type Runtime } from '../runtime.js';
import type { ScanSink } from '../scan/events.js';
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
  /** The exit code the CLI uses for this result (0, 1, 5, or 12 for a sample that found nothing failing). */
  exitCode: number;
  report: Report;
}

/** verify's production I/O: `runtime`, read-only sessions named for pg_stat_activity, progress. */
export function verifyDeps(connection: ConnectionTarget, runtime: Runtime, sink?: ScanSink): VerifyDeps {
  return {
    ...runtime,
    connect: () => connect({ target: connection, applicationName: 'aibridge-migrate verify', runtime }),
    ...(sink ? { sink } : {}),
  };
}

/**
 * Validates raw options (as a config file or flags would give them), verifies, and returns
 * the report. Bad options reject with a UsageError before anything connects (the same shape
 * for every entry point, see resolveSettings); a database it cannot verify throws
 * ConnectionError / PermissionError / PreflightError; parity failures are a result, not an error.
 *
 * @example
 *   import { verify, renderReport } from 'aibridge-migrate';
 *   const result = await verify({ databaseUrl: process.env.DATABASE_URL, maxSamples: 5 });
 *   if (result.status !== 'pass') console.log(renderReport(result.report, 'markdown'));
 */
export async function verify(rawOptions: Record<string, unknown>, extra: { deps?: Partial<VerifyDeps> } = {}): Promise<VerifyResult> {
  const options = settingsOrThrow(await resolveSettings(verifyOptionsSchema, { from: 'api', given: rawOptions }));
  const deps: VerifyDeps = { ...verifyDeps(options.connection, systemRuntime()), ...extra.deps };
  const report = await runVerify(options, deps);
  return { status: report.outcome.status, exitCode: report.outcome.exit_code, report };
}
