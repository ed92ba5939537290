/**
 * `aibridge-migrate apply`: a whole pipeline stage in one process — up, backfill, verify and the
 * status --check gate — with one signal handler, one exit code, one JSON document (--json) and
 * one report file (--report). The work is in src/apply, imported lazily so `--help` stays fast.
 */
import { applySchema } from '../../apply/options.js';
import { defineCommand } from '../command.js';
import { writeFileAtomically } from '../output.js';
import { reportFailure } from '../run.js';
import { gracefulStop } from '../signals.js';

export const applyCommand = defineCommand({
  command: 'apply',
  describe:
    'one pipeline stage: up (if pending, with Coder’s hand-over), backfill, verify, then the status --check gate; idempotent, one exit code',
  schema: applySchema,
  examples: [
    ['$0 apply --dry-run', 'the whole plan: migrations and their SQL, what Coder gets, rows the backfill would change'],
    ['$0 apply --report apply.xml', 'run the stage; a JUnit report of every stage and check for CI'],
    [
      '$0 apply --json --report "$GITHUB_STEP_SUMMARY" --report-format markdown',
      'one JSON document on stdout, Markdown for the job summary',
    ],
    ['$0 apply --lock-timeout 2s --max-rows-per-second 20000', 'every option of up, backfill and verify, under its own name'],
  ],
  async run(settings, { configFile, runtime, terminal }) {
    const { log } = runtime;
    const [api, backfill] = await Promise.all([import('../../apply/index.js'), import('../../backfill/index.js')]);
    const options = settings as unknown as import('../../apply/index.js').ApplySettings;
    const configPath = configFile?.path ?? null;
    // stdout carries the one document (--json) or the final text; progress goes to stderr.
    const sink = backfill.textSink({
      write: (text) => process.stderr.write(text),
      clock: runtime.clock,
      interactive: terminal.interactive,
      columns: () => process.stderr.columns,
    });
    if (options.dryRun) {
      const plan = await api.runApplyDryRun(options, api.applyDeps(options, runtime, { backfill: { sink } }));
      process.stdout.write(
        `${options.json ? JSON.stringify({ ...api.applyPlanJson(plan), config_file: configPath }) : api.applyPlanText(plan)}\n`,
      );
      if (plan.error && !options.json) reportFailure(plan.error, { json: false });
      return plan.exitCode;
    }
    const stop = gracefulStop({
      onFirst: (signal) =>
        log.info(
          `\n${signal}: apply stops at the current stage's next safe point (the backfill after its batch, checkpointed); again to stop at once`,
        ),
      onSecond: (signal) =>
        process.stderr.write(
          `\n${signal} again: stopping now (an open batch rolls back; run \`${api.RESUME_COMMAND}\` again to continue)\n`,
        ),
    });
    let result: import('../../apply/index.js').ApplyResult;
    try {
      result = await api.runApply(options, api.applyDeps(options, runtime, { backfill: { sink }, signal: stop.signal }));
    } finally {
      stop.release();
    }
    const format = api.reportFormat(options);
    if (options.report !== undefined && format !== null) {
      writeFileAtomically(options.report, api.renderApplyReport(result, format, configPath));
      log.info(`${format} report written to ${options.report}`);
    }
    process.stdout.write(
      `${options.json ? JSON.stringify({ ...api.applyJson(result), config_file: configPath }) : api.applyText(result)}\n`,
    );
    // The message and hint for people, on stderr; in JSON mode the document above carries them.
    if (result.error) reportFailure(result.error, { json: false, debug: options.debug });
    return result.exitCode;
  },
});
