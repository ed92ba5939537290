/**
 * Merging an option set from its sources, lowest priority first:
 *   built-in defaults < config file (--config) < environment (AIBRIDGE_MIGRATE_*, DATABASE_URL) < flags.
 * Every problem across every source is collected and reported at once, each naming the
 * setting and where its value came from.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { UsageError } from '../errors.js';

export type Source = 'flag' | 'environment' | 'config file';
export type RawValues = Record<string, unknown>;

export const ENV_PREFIX = 'AIBRIDGE_MIGRATE_';

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function camel(key: string): string {
  return key.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function envName(key: string): string {
  return ENV_PREFIX + kebab(key).replaceAll('-', '_').toUpperCase();
}

/** Values from AIBRIDGE_MIGRATE_* variables (and DATABASE_URL), for the keys any command knows. */
export function readEnvironment(env: NodeJS.ProcessEnv, knownKeys: ReadonlySet<string>): { values: RawValues; problems: string[] } {
  const values: RawValues = {};
  const problems: string[] = [];
  // An empty DATABASE_URL (exported blank by a wrapper script) means unset, not a URL to reject.
  if (env.DATABASE_URL && knownKeys.has('databaseUrl')) values.databaseUrl = env.DATABASE_URL;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const key = camel(name.slice(ENV_PREFIX.length).toLowerCase());
    if (!knownKeys.has(key)) {
      problems.push(`environment variable ${name} is not an option of aibridge-migrate (see --help for the list)`);
      continue;
    }
    values[key] = value;
  }
  return { values, problems };
}

/** A JSON or YAML file of options; keys may be kebab-case (as flags) or camelCase. */
export async function readConfigFile(file: string, knownKeys: ReadonlySet<string>): Promise<{ values: RawValues; problems: string[] }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { values: {}, problems: [`cannot read the config file ${file}: ${(error as Error).message}`] };
  }
  let parsed: unknown;
  try {
    if (/\.ya?ml$/i.test(path.extname(file))) {
      const { parse } = await import('yaml');
      parsed = parse(text);
    } else {
      parsed = JSON.parse(text);
    }
  } catch (error) {
    return { values: {}, problems: [`the config file ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`] };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { values: {}, problems: [`the config file ${file} must hold an object of option names to values`] };
  }
  const values: RawValues = {};
  const problems: string[] = [];
  for (const [rawKey, value] of Object.entries(parsed)) {
    const key = camel(rawKey);
    if (!knownKeys.has(key)) problems.push(`config file ${file}: "${rawKey}" is not an option of aibridge-migrate`);
    else values[key] = value;
  }
  return { values, problems };
}

export interface ResolveInput {
  flags: RawValues;
  env?: NodeJS.ProcessEnv;
  /** Path from --config, if any. */
  configFile?: string | undefined;
  /** Every option key any command knows: unknown keys elsewhere are errors, other commands' are not. */
  knownKeys: ReadonlySet<string>;
}

/**
 * Validates the merged values against `schema` (a zod object). Throws UsageError listing every
 * problem; returns the schema's parsed output otherwise.
 */
export async function resolveOptions<S extends z.ZodObject>(schema: S, input: ResolveInput): Promise<z.output<S>> {
  const fromFile = input.configFile ? await readConfigFile(input.configFile, input.knownKeys) : { values: {}, problems: [] };
  const fromEnv = readEnvironment(input.env ?? process.env, input.knownKeys);
  const shapeKeys = new Set(Object.keys(schema.shape));
  const merged: RawValues = {};
  const origin: Record<string, Source> = {};
  const layers: [Source, RawValues][] = [
    ['config file', fromFile.values],
    ['environment', fromEnv.values],
    ['flag', input.flags],
  ];
  for (const [source, values] of layers) {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined || !shapeKeys.has(key)) continue;
      merged[key] = value;
      origin[key] = source;
    }
  }
  const problems = [...fromFile.problems, ...fromEnv.problems];
  const result = schema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const from = origin[key];
      const where = from === 'flag' ? `--${kebab(key)}` : from === 'environment' ? (key === 'databaseUrl' && !process.env[envName(key)] ? 'DATABASE_URL' : envName(key)) : from ? `${from} key "${kebab(key)}"` : `--${kebab(key)}`;
      problems.push(`Setting '${kebab(key)}' (${where}): ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new UsageError(problems, { hint: 'Fix the settings above; nothing was run.' });
  return (result as { data: z.output<S> }).data;
}
