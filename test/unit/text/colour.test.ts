/**
 * Colour follows NO_COLOR and FORCE_COLOR, and only a terminal is interactive. (Under a real
 * pseudo-terminal: test/integration/progress-pty.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { detectTerminal } from '../../../src/text/colour.js';

describe('colour', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  it.each<[string, NodeJS.WriteStream, Record<string, string>, boolean]>([
    ['a terminal', tty, {}, true],
    ['NO_COLOR on a terminal', tty, { NO_COLOR: '1' }, false],
    ['a pipe', pipe, {}, false],
    ['FORCE_COLOR on a pipe', pipe, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', tty, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR wins over NO_COLOR', pipe, { FORCE_COLOR: '2', NO_COLOR: '1' }, true],
    ['TERM=dumb', tty, { TERM: 'dumb' }, false],
  ])('%s', (_name, stream, env, color) => {
    expect(detectTerminal(stream, env).color).toBe(color);
  });

  it('FORCE_COLOR does not make a pipe interactive (no live redraws into a log file)', () => {
    expect(detectTerminal(pipe, { FORCE_COLOR: '1' }).interactive).toBe(false);
  });
});
