/**
 * `aibridge-migrate verify`: verify, render in the chosen format, write to stdout or --output,
 * exit with the report's code. Logs go to stderr so stdout carries only the report.
 */
import { UsageError } from '../../errors.js';
import type { ReportFormat } from '../../report/formats.js';
import { verifyOptionsSchema } from '../../verify/options.js';
import { defineCommand } from '../command.js';
import { writeFileAtomically } from '../output.js';
import { detectTerminal } from '../../text/colour.js';

/** --json is the shared switch for machine output; with verify it means --format json. */
export function chooseFormat(format: ReportFormat | undefined, json: boolean): ReportFormat {
  if (json && format !== undefined && format !== 'json') {
    throw new UsageError([`--json asks for JSON but --format is ${format}: pass only one of them`]);
  }
  return format ?? (json ? 'json' : 'text');
}

export const verifyCommand = defineCommand({
  command: 'verify',
  describe: 'Check that the cache columns agree with the metadata, row by row and in total (read-only)',
  schema: verifyOptionsSchema,
  examples: [
    ['$0 verify --database-url postgres://…', 'summary on the terminal; exit 0 if parity holds, 1 if not'],
    ['$0 verify --format junit --output verify.xml', 'a JUnit report for CI'],
    ['$0 verify --format markdown --max-samples 5', 'Markdown for a change ticket'],
    ['$0 verify --format html --output verify.html', 'one self-contained page with charts'],
    ['$0 verify --sample 1%', 'a quick look at a huge table: ~1% of its pages, figures estimated (never passes: exit 12 if nothing fails)'],
  ],
  async run(settings, { runtime, terminal }) {
    const { log } = runtime;
    // Loaded here, not at the top: `--help` must not pay for pg or the rule's SQL.
    const [{ runVerify }, { verifyDeps }, { renderReport }, { scanProgressSink }] = await Promise.all([
      import('../../verify/run.js'),
      import('../../verify/index.js'),
      import('../../report/render.js'),
      import('../scan-progress.js'),
    ]);
    const format = chooseFormat(settings.format, settings.json);
    // --quiet (when the CLI has it) silences progress too.
    const quiet = (settings as { quiet?: boolean }).quiet === true;
    const sink = scanProgressSink({ json: settings.json, quiet, terminal, label: 'verify', clock: runtime.clock });
    const report = await runVerify(settings, verifyDeps(settings.connection, runtime, sink));
    const rendered = renderReport(report, format, { color: format === 'text' && detectTerminal(process.stdout).color });
    if (settings.output) {
      writeFileAtomically(settings.output, rendered);
      log.info(`${format} report written to ${settings.output}`);
    } else if (!(settings.quiet && format === 'text' && report.outcome.exit_code === 0)) {
      // --quiet: a text report that shows parity holds is not printed; the exit code says it.
      process.stdout.write(rendered);
    }
    const { outcome } = report;
    if (outcome.status === 'before_up') {
      log.warn('the cache columns do not exist yet: this report is a preview. Run `aibridge-migrate up` first.');
    } else if (outcome.status === 'sample') {
      log.info(
        `verify: a sample found no failing row — not a verification (exit ${outcome.exit_code}); run verify without --sample to gate on parity`,
      );
    } else if (outcome.status === 'fail') {
      const ids = report.checks.flatMap((c) => c.offending_row_ids).slice(0, 10);
      log.info(
        `verify: parity fails (${outcome.failing_checks.join(', ')})${ids.length > 0 ? `; rows: ${[...new Set(ids)].join(', ')}` : ''}`,
      );
    } else if (settings.output) {
      log.info('verify: parity holds');
    }
    return outcome.exit_code;
  },
});
