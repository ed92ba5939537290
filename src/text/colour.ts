/**
 * ANSI styles for terminal output, and the one decision whether to use them (and whether a
 * live progress line can be redrawn): the stream is a terminal, or FORCE_COLOR / NO_COLOR say.
 */

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;

export type Style = keyof typeof CODES;

export function paint(enabled: boolean, style: Style, text: string): string {
  return enabled ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

export interface Terminal {
  /** The stream is a terminal: live progress is possible. */
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
