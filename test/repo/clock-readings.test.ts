/**
 * The lint rule that keeps every clock reading in src/runtime.ts (eslint.config.js): proven to
 * catch each way of reading the time, and to leave conversions and the Runtime's clock alone.
 * `npm run lint` applies it to the whole of src/.
 */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function clockProblems(code: string, filePath = 'src/backfill/example.ts'): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length;
}

describe('no clock reading outside src/runtime.ts', { timeout: 30_000 }, () => {
  // The first lint loads the config, the parser and the import resolver: seconds on a busy machine.
  beforeAll(() => clockProblems('export {};'), 120_000);

  it.each([
    'export const t = Date.now();',
    'export const read = Date.now;',
    'export const d = new Date();',
    'export const s = Date();',
    'export const p = performance.now();',
    'export const h = process.hrtime.bigint();',
    'export const u = process.uptime();',
  ])('`%s` in src/ fails the lint', async (code) => {
    expect(await clockProblems(code)).toBe(1);
  });

  it.each([
    'export const at = (iso: string) => new Date(iso);',
    'export const later = (clock: { now(): number }) => clock.now() + 1;',
    'export const when = (clock: { date(): Date }) => clock.date().toISOString();',
  ])('`%s` passes', async (code) => {
    expect(await clockProblems(code)).toBe(0);
  });

  it('src/runtime.ts, which builds the real clock, may read it', async () => {
    expect(await clockProblems('export const now = () => performance.now();', 'src/runtime.ts')).toBe(0);
  });
});
