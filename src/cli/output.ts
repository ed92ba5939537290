/** Where things are written: data on stdout, logs and progress on stderr. */

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface Terminal {
  /** stderr is a terminal: live progress and colour are possible. */
  interactive: boolean;
  color: boolean;
}

export function detectTerminal(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Terminal {
  const interactive = Boolean(stream.isTTY) && env.TERM !== 'dumb' && env.CI !== 'true';
  // FORCE_COLOR (any value but 0/false) turns colour on even into a pipe, as in Node and most
  // CLIs (a CI log viewer that renders ANSI); it wins over NO_COLOR, which (https://no-color.org:
  // any non-empty value) turns it off. Neither changes whether progress is redrawn live.
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return { interactive, color: force !== '0' && force !== 'false' };
  return { interactive, color: interactive && !env.NO_COLOR };
}

export function createLogger(options: { debug?: boolean; write?: (line: string) => void } = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    info: (message) => write(message),
    warn: (message) => write(`warning: ${message}`),
    debug: (message) => {
      if (options.debug) write(`debug: ${message}`);
    },
  };
}

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;

export function paint(enabled: boolean, style: keyof typeof CODES, text: string): string {
  return enabled ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}
