/** Where things are written: data on stdout, logs and progress on stderr, reports to their file. */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Log } from '../runtime.js';

/** `quiet`: info and warnings are dropped (--quiet: errors and the final result only). */
export function createLogger(options: { debug?: boolean; quiet?: boolean; write?: (line: string) => void } = {}): Log {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const loud = !options.quiet;
  return {
    info: (message) => {
      if (loud) write(message);
    },
    warn: (message) => {
      if (loud) write(`warning: ${message}`);
    },
    debug: (message) => {
      if (options.debug) write(`debug: ${message}`);
    },
  };
}

/** Writes through a temporary file and a rename, so a reader never sees half a report. */
export function writeFileAtomically(file: string, content: string): void {
  const temp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, content);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new UsageError([`cannot write the report to ${file}: ${(error as Error).message}`], {
      hint: 'Check that the folder exists and is writable.',
    });
  }
}
