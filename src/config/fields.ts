/**
 * zod field builders shared by every command's options. Raw values arrive as strings (from
 * the environment and from flags, which are declared as strings so zod — not yargs — decides
 * what is valid) or as JSON/YAML values from a config file.
 */
import { z } from 'zod';
import { checkDatabaseUrl } from '../db/url.js';

const INTEGER = /^\s*[+-]?\d+\s*$/;

/** A whole number within [min, max], given as a number or a string of digits. */
export function integer(min: number, max: number) {
  return z
    .union([z.number(), z.string()])
    .transform((raw, ctx) => {
      const value = typeof raw === 'number' ? raw : INTEGER.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(value)) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number, got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      if (value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}, got ${value}` });
        return z.NEVER;
      }
      return value;
    });
}

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** A duration in milliseconds: `2000`, `2000ms`, `2s`, `1.5s`, `5m`, `1h`. */
export function duration(minMs: number, maxMs: number) {
  return z
    .union([z.number(), z.string()])
    .transform((raw, ctx) => {
      const match = typeof raw === 'number' ? [String(raw), String(raw), 'ms'] : DURATION.exec(raw);
      const value = match ? Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!) : Number.NaN;
      if (!Number.isFinite(value)) {
        ctx.addIssue({ code: 'custom', message: `must be a duration like 2s, 500ms or 2000 (milliseconds), got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      if (value < minMs || value > maxMs) {
        ctx.addIssue({ code: 'custom', message: `must be between ${minMs} ms and ${maxMs} ms, got ${value} ms` });
        return z.NEVER;
      }
      return value;
    });
}

export function flag() {
  return z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((raw) =>
    typeof raw === 'boolean' ? raw : raw === 'true' || raw === '1' || raw === 'yes',
  );
}

/** A name that will be quoted as an SQL identifier (any characters are safe; length is not). */
export function identifier() {
  return z
    .string()
    .min(1, 'must not be empty')
    .refine((name) => Buffer.byteLength(name, 'utf8') <= 63, 'must be at most 63 bytes (PostgreSQL truncates longer names)')
    .refine((name) => !name.includes('\u0000'), 'must not contain a NUL character');
}

export function databaseUrl() {
  return z.string().transform((raw, ctx) => {
    const check = checkDatabaseUrl(raw.trim());
    if (!check.ok) {
      ctx.addIssue({ code: 'custom', message: check.problem });
      return z.NEVER;
    }
    return raw.trim();
  });
}

export function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values);
}
