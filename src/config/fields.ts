/**
 * zod field builders shared by every command's options, and the metadata that turns a schema
 * into command-line flags. Raw values arrive as strings (from the environment and from flags,
 * which are declared as strings so zod — not yargs — decides what is valid) or as JSON/YAML
 * values from a config file.
 *
 * A command's options are defined once, as a zod object whose fields carry `OptionMeta`
 * (`.meta({ describe, group })`) and their defaults in the units a user types
 * (`.prefault('2s')`): the CLI derives its flags, `--help` text and defaults from it
 * (src/cli/flags.ts), the environment variable names from the keys (spelling.ts).
 */
import { z } from 'zod';
import { checkDatabaseUrl } from '../db/url.js';
import { SSL_MODES } from '../db/target.js';
import { envName, kebab } from './spelling.js';

export interface OptionMeta {
  /** One line for --help. */
  describe?: string;
  /** The --help section. */
  group?: string;
  /** Shown as the default in --help when the schema has none of its own (e.g. "adaptive"). */
  defaultText?: string;
  /** Only as a command-line flag: refused from the environment and from a config file. */
  flagOnly?: boolean;
  /** A switch (--dry-run) rather than a flag taking a value; set by flag(). */
  boolean?: boolean;
  /** What a config file may hold here, as JSON Schema, where zod's own rendering says less (the field builders set it). */
  json?: Record<string, unknown>;
  /** A duration, parsed to milliseconds (set by duration()): the resolved settings hold it as `<key>Ms`. */
  unit?: 'ms';
}

/** Everything the CLI needs to know about one option, read off its schema. */
export interface OptionInfo {
  key: string;
  flag: string;
  env: string | null;
  describe: string;
  group: string | undefined;
  boolean: boolean;
  /** The default as a user would type it, or undefined for none. */
  defaultText: string | undefined;
  flagOnly: boolean;
  /** Its field in the resolved settings: the key, with `Ms` appended for a duration (inMs). */
  setting: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  defaultValue?: unknown;
}

export function optionInfo(key: string, schema: z.ZodType): OptionInfo {
  const meta: OptionMeta = {};
  let defaultValue: unknown;
  let node: z.ZodType | undefined = schema;
  // Outermost first: a wrapper's metadata (describe on the finished field) wins over the builder's.
  while (node) {
    const own = (node.meta() ?? {}) as OptionMeta;
    for (const [k, v] of Object.entries(own)) if (!(k in meta)) (meta as Record<string, unknown>)[k] = v;
    const def = node._zod.def as unknown as Def;
    if ((def.type === 'prefault' || def.type === 'default') && defaultValue === undefined) defaultValue = def.defaultValue;
    node = def.innerType ?? def.in;
  }
  const boolean = meta.boolean === true;
  const defaultText =
    meta.defaultText ?? (defaultValue === undefined || (boolean && defaultValue === false) ? undefined : String(defaultValue));
  return {
    key,
    flag: kebab(key),
    env: meta.flagOnly ? null : envName(key),
    describe: meta.describe ?? '',
    group: meta.group,
    boolean,
    defaultText,
    flagOnly: meta.flagOnly === true,
    setting: meta.unit === 'ms' && !key.endsWith('Ms') ? `${key}Ms` : key,
  };
}

declare const MILLISECONDS: unique symbol;
/** A duration as duration() parses it: milliseconds, branded so that InMs can find it. */
export type Millis = number & { readonly [MILLISECONDS]: true };

type MsName<K extends string> = K extends `${string}Ms` ? K : `${K}Ms`;
type Unbranded<V> = V extends Millis ? number : V;

/**
 * Parsed values as the resolved settings hold them: each duration (Millis) as a plain number of
 * milliseconds under a name that ends in Ms (`lockTimeout: '5s'` → `lockTimeoutMs: 5000`).
 */
export type InMs<T> = {
  [K in keyof T as K extends string ? (NonNullable<T[K]> extends Millis ? MsName<K> : K) : K]: Unbranded<T[K]>;
};

/** `values` parsed by a schema of `shape`, with each duration moved to its `…Ms` name (see InMs). */
export function inMs<T extends Record<string, unknown>>(shape: Record<string, z.ZodType>, values: T): InMs<T> {
  const out: Record<string, unknown> = { ...values };
  for (const [key, field] of Object.entries(shape)) {
    const { setting } = optionInfo(key, field);
    if (setting === key || !(key in out)) continue;
    out[setting] = out[key];
    delete out[key];
  }
  return out as InMs<T>;
}

export function optionInfos(shape: Record<string, z.ZodType>): OptionInfo[] {
  return Object.entries(shape).map(([key, schema]) => optionInfo(key, schema));
}

const INTEGER = /^\s*[+-]?\d+\s*$/;

/** A whole number within [min, max], given as a number or a string of digits. */
export function integer(min: number, max: number) {
  const json = {
    anyOf: [
      { type: 'integer', minimum: min, maximum: max },
      { type: 'string', pattern: INTEGER.source },
    ],
  };
  return z
    .union([z.number(), z.string()])
    .meta({ json })
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

/** A duration in milliseconds: `2000`, `2000ms`, `2s`, `1.5s`, `5m`, `1h`; resolved settings hold it as `<key>Ms` (InMs). */
export function duration(minMs: number, maxMs: number) {
  const json = {
    anyOf: [
      { type: 'number', minimum: minMs, maximum: maxMs, description: 'milliseconds' },
      { type: 'string', pattern: DURATION.source, description: 'a duration: 500ms, 2s, 1.5s, 5m, 1h, or milliseconds' },
    ],
  };
  return z
    .union([z.number(), z.string()])
    .meta({ json, unit: 'ms' })
    .transform((raw, ctx): Millis => {
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
      return value as Millis;
    });
}

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?\s*$/i;
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** A size in bytes, in PostgreSQL's (1024-based) units: `1048576`, `64kB`, `512MB`, `1GB`, `1.5GB`. */
export function byteSize(min: number, max: number) {
  const json = {
    anyOf: [
      { type: 'integer', minimum: min, maximum: max, description: 'bytes' },
      { type: 'string', pattern: SIZE.source, description: 'a size: 64kB, 512MB, 1GB, or bytes' },
    ],
  };
  return z
    .union([z.number(), z.string()])
    .meta({ json })
    .transform((raw, ctx) => {
      const match = typeof raw === 'number' ? [String(raw), String(raw), 'B'] : SIZE.exec(raw);
      const value = match ? Math.round(Number(match[1]) * UNIT_BYTES[(match[2] ?? 'B').toLowerCase()]!) : Number.NaN;
      if (!Number.isSafeInteger(value)) {
        ctx.addIssue({ code: 'custom', message: `must be a size like 512MB, 1GB, 64kB or 1048576 (bytes), got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      if (value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max} bytes, got ${value}` });
        return z.NEVER;
      }
      return value;
    });
}

/** The words a switch may be written as (an environment variable, a config file), and what each means. */
const SWITCH_WORDS = { 0: false, 1: true, true: true, false: false, yes: true, no: false } as const;
type SwitchWord = `${keyof typeof SWITCH_WORDS}`;

/** A switch's value: a boolean, or one of SWITCH_WORDS; undefined for anything else. The one reading of a switch. */
export function parseSwitch(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  return typeof raw === 'string' && Object.hasOwn(SWITCH_WORDS, raw) ? SWITCH_WORDS[raw as keyof typeof SWITCH_WORDS] : undefined;
}

export function flag() {
  const json = { anyOf: [{ type: 'boolean' }, { type: 'string', enum: Object.keys(SWITCH_WORDS) }] };
  // Any value reaches the transform, so that a wrong one is named with what is expected.
  return z
    .custom<boolean | SwitchWord>()
    .transform((raw, ctx) => {
      const value = parseSwitch(raw);
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be true or false (or 1 / 0, yes / no), got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    })
    .meta({ boolean: true, json });
}

/** A path to a file (read later, where its absence is reported with the option's name). */
export function filePath() {
  return z.string().trim().min(1, 'must name a file');
}

/** libpq's sslmode (allow is not offered: see src/db/target.ts). */
export function sslMode() {
  return z.enum(SSL_MODES);
}

/** A name that will be quoted as an SQL identifier (any characters are safe; length is not). */
export function sqlName() {
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

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

/** A share in percent, written with its sign (`1%`, `0.5%`); a config file may give a bare number. */
export function percent(min: number, max: number) {
  return z.union([z.number(), z.string()]).transform((raw, ctx) => {
    const match = typeof raw === 'number' ? null : PERCENT.exec(raw);
    const value = typeof raw === 'number' ? raw : match ? Number(match[1]) : Number.NaN;
    if (!Number.isFinite(value)) {
      ctx.addIssue({ code: 'custom', message: `must be a percentage like 1% or 0.5%, got ${JSON.stringify(raw)}` });
      return z.NEVER;
    }
    if (value < min || value > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min}% and ${max}%, got ${value}%` });
      return z.NEVER;
    }
    return value;
  });
}
