/**
 * The body of `aibridge-migrate verify`: verify, render in the chosen format, write to stdout
 * or --output, return the exit code. Logs go to stderr so stdout carries only the report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connect } from '../db/connect.js';
import { systemClock } from '../runtime.js';
import { UsageError } from '../errors.js';
import { createLogger, detectTerminal } from '../cli/output.js';
import type { ReportFormat } from '../report/formats.js';
import { renderReport } from '../report/render.js';
import type { VerifyConfig } from './options.js';
import { runVerify } from './run.js';

export interface CommandIo {
  stdout: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  log(line: string): void;
}

const defaultIo = (): CommandIo => ({ stdout: process.stdout, env: process.env, log: (line) => process.stderr.write(`${line}\n`) });

/** --json is the shared switch for machine output; with verify it means --format json. */
export function chooseFormat(format: ReportFormat | undefined, json: boolean): ReportFormat {
  if (json && format !== undefined && format !== 'json') {
    throw new UsageError([`--json asks for JSON but --format is ${format}: pass only one of them`]);
  }
  return format ?? (json ? 'json' : 'text');
}

/** Writes through a temporary file and a rename, so a reader never sees half a report. */
function writeFileAtomically(file: string, content: string): void {
  const temp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, content);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new UsageError([`cannot write the report to ${file}: ${(error as Error).message}`], { hint: 'Check that the folder exists and is writable.' });
  }
}

export async function runVerifyCommand(config: VerifyConfig, io: CommandIo = defaultIo()): Promise<number> {
  const format = chooseFormat(config.format, config.json);
  const logger = createLogger({ debug: config.debug, write: io.log });
  const report = await runVerify(config, {
    connect: () => connect({ databaseUrl: config.databaseUrl, applicationName: 'aibridge-migrate verify', connectTimeoutMs: config.connectTimeout }),
    clock: systemClock,
    log: logger,
  });
  const color = format === 'text' && detectTerminal(io.stdout, io.env).color;
  const rendered = renderReport(report, format, { color });
  if (config.output) {
    writeFileAtomically(config.output, rendered);
    logger.info(`${format} report written to ${config.output}`);
  } else {
    io.stdout.write(rendered);
  }
  const { outcome } = report;
  if (outcome.status === 'before_up') {
    logger.warn('the cache columns do not exist yet: this report is a preview. Run `aibridge-migrate up` first.');
  } else if (outcome.status === 'fail') {
    const ids = report.checks.flatMap((c) => c.offending_row_ids).slice(0, 10);
    logger.info(`verify: parity fails (${outcome.failing_checks.join(', ')})${ids.length > 0 ? `; rows: ${[...new Set(ids)].join(', ')}` : ''}`);
  } else if (config.output) {
    logger.info('verify: parity holds');
  }
  return outcome.exit_code;
}
