/** Where things are written: data on stdout, logs and progress on stderr. */
import type { Log } from '../runtime.js';

export function createLogger(options: { debug?: boolean; write?: (line: string) => void } = {}): Log {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    info: (message) => write(message),
    warn: (message) => write(`warning: ${message}`),
    debug: (message) => {
      if (options.debug) write(`debug: ${message}`);
    },
  };
}
