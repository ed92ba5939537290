/** Where things are written: data on stdout, logs and progress on stderr. */
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
