/**
 * From raw inputs to validated settings with a resolved connection, for the CLI and for every
 * API entry point alike.
 *
 * Options merge in this order, lowest priority first:
 *   built-in defaults < config file < environment (AIBRIDGE_MIGRATE_*, DATABASE_URL) < flags.
 * The config file is --config, else AIBRIDGE_MIGRATE_CONFIG, else aibridge-migrate.yaml, .yml
 * or .json in the working directory.
 *
 * The database URL is one setting given one of two ways (the text, or a file holding it), and
 * the source with the highest priority wins:
 *   --database-url | --database-url-file  >  AIBRIDGE_MIGRATE_DATABASE_URL | …_FILE
 *   >  DATABASE_URL  >  config file database-url | database-url-file
 * (both ways at the same level is an error). What the URL leaves out comes from the libpq
 * variables, and without any URL they say where to go alone (src/db/target.ts).
 *
 * Every problem across every source is collected and reported at once, each as
 * `Setting '<option>' (<where the value came from>): <problem>` (errors.ts, formatProblem).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { UsageError, type SettingProblem } from '../errors.js';
import {
  resolveTarget,
  systemTargetIo,
  NO_DATABASE_HINT,
  type ConnectionTarget,
  type Origin,
  type TargetInput,
  type TargetIo,
  type TargetNote,
} from '../db/target.js';
import type { Connected } from './common.js';
import { camel, ENV_PREFIX, envName, kebab, nearest } from './spelling.js';

export type RawValues = Record<string, unknown>;

/** The environment variable naming a config file; not an option itself. */
export const CONFIG_ENV = 'AIBRIDGE_MIGRATE_CONFIG';
/** Read from the working directory when neither --config nor AIBRIDGE_MIGRATE_CONFIG names a file. */
export const CONFIG_FILE_NAMES = ['aibridge-migrate.yaml', 'aibridge-migrate.yml', 'aibridge-migrate.json'] as const;

const FIX_SETTINGS = 'Fix the settings above; nothing was run.';

export interface ConfigFile {
  path: string;
  /** How it was chosen. */
  via: '--config' | typeof CONFIG_ENV | 'working directory';
}

export interface Located {
  file: ConfigFile | null;
  problems: SettingProblem[];
}

/** Which config file applies: --config, else AIBRIDGE_MIGRATE_CONFIG, else one in `cwd`. */
export function locateConfigFile(
  flagValue: unknown,
  env: NodeJS.ProcessEnv,
  cwd: string,
  exists: (file: string) => boolean = fs.existsSync,
): Located {
  const named =
    typeof flagValue === 'string' && flagValue !== ''
      ? { path: flagValue, via: '--config' as const }
      : env[CONFIG_ENV]
        ? { path: env[CONFIG_ENV], via: CONFIG_ENV as typeof CONFIG_ENV }
        : null;
  if (named) return { file: { path: path.resolve(cwd, named.path), via: named.via }, problems: [] };
  const found = CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).filter((file) => exists(file));
  if (found.length > 1) {
    return {
      file: null,
      problems: [
        {
          setting: null,
          source: null,
          message: `several config files in ${cwd}: ${found.map((f) => path.basename(f)).join(', ')}; keep one, or name one with --config`,
        },
      ],
    };
  }
  return { file: found[0] ? { path: found[0], via: 'working directory' } : null, problems: [] };
}

interface Layer {
  values: RawValues;
  origin: Record<string, Origin>;
  problems: SettingProblem[];
}

/** Values from AIBRIDGE_MIGRATE_* variables (and DATABASE_URL), for the keys any command knows. */
export function readEnvironment(env: NodeJS.ProcessEnv, knownKeys: ReadonlySet<string>, flagOnly: ReadonlySet<string> = new Set()): Layer {
  const layer: Layer = { values: {}, origin: {}, problems: [] };
  // An empty DATABASE_URL (exported blank by a wrapper script) means unset, not a URL to reject.
  if (env.DATABASE_URL && knownKeys.has('databaseUrl')) {
    layer.values.databaseUrl = env.DATABASE_URL;
    layer.origin.databaseUrl = { setting: 'database-url', source: 'DATABASE_URL' };
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || name === CONFIG_ENV) continue;
    const key = camel(name.slice(ENV_PREFIX.length).toLowerCase());
    if (!knownKeys.has(key)) {
      const guess = nearest(key, knownKeys);
      layer.problems.push({
        setting: null,
        source: null,
        message: `environment variable ${name} is not an option of aibridge-migrate (${guess ? `did you mean ${envName(guess)}? ` : ''}see --help for the list)`,
      });
      continue;
    }
    if (flagOnly.has(key)) {
      layer.problems.push({ setting: kebab(key), source: name, message: `can only be given on the command line (--${kebab(key)})` });
      continue;
    }
    layer.values[key] = value;
    layer.origin[key] = { setting: kebab(key), source: name };
  }
  return layer;
}

/** A JSON or YAML file of options; keys may be kebab-case (as flags) or camelCase. */
export async function readConfigFile(
  file: string,
  knownKeys: ReadonlySet<string>,
  flagOnly: ReadonlySet<string> = new Set(),
): Promise<Layer> {
  const layer: Layer = { values: {}, origin: {}, problems: [] };
  const fail = (message: string) => ({ ...layer, problems: [{ setting: null, source: null, message }] });
  const ext = path.extname(file).toLowerCase();
  const yaml = ext === '.yaml' || ext === '.yml';
  if (!yaml && ext !== '.json') {
    return fail(
      `the config file ${file} must be .yaml, .yml or .json (got ${ext ? `"${ext}"` : 'no extension'}); other formats are not read`,
    );
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`cannot read the config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = yaml ? (await import('yaml')).parse(text) : JSON.parse(text);
  } catch (error) {
    return fail(`the config file ${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail(`the config file ${file} must hold an object of option names to values`);
  }
  for (const [rawKey, value] of Object.entries(parsed)) {
    const key = camel(rawKey);
    if (!knownKeys.has(key)) {
      const guess = nearest(key, knownKeys);
      layer.problems.push({
        setting: null,
        source: null,
        message: `config file ${file}: "${rawKey}" is not an option of aibridge-migrate${guess ? ` (did you mean "${kebab(guess)}"?)` : ''}`,
      });
    } else if (flagOnly.has(key)) {
      layer.problems.push({
        setting: kebab(key),
        source: `config file key "${rawKey}"`,
        message: `can only be given on the command line (--${kebab(key)})`,
      });
    } else {
      layer.values[key] = value;
      layer.origin[key] = { setting: kebab(key), source: `config file key "${rawKey}"` };
    }
  }
  return layer;
}

export interface ResolveInput {
  /** The flags the user typed, camelCase. */
  flags: RawValues;
  env?: NodeJS.ProcessEnv;
  /** The config file to read, already located (see locateConfigFile). */
  configFile?: string | undefined;
  /** Every option key any command knows: unknown keys elsewhere are errors, other commands' are not. */
  knownKeys: ReadonlySet<string>;
  /** Keys that may only come from a flag (destructive or one-off switches). */
  flagOnlyKeys?: ReadonlySet<string>;
}

interface Merged {
  values: RawValues;
  origin: Record<string, Origin>;
  problems: SettingProblem[];
}

async function merge(schema: z.ZodObject, input: ResolveInput): Promise<Merged> {
  const flagOnly = input.flagOnlyKeys ?? new Set<string>();
  const fromFile = input.configFile
    ? await readConfigFile(input.configFile, input.knownKeys, flagOnly)
    : { values: {}, origin: {}, problems: [] };
  const fromEnv = readEnvironment(input.env ?? process.env, input.knownKeys, flagOnly);
  const fromFlags: Layer = { values: input.flags, origin: {}, problems: [] };
  for (const key of Object.keys(input.flags)) fromFlags.origin[key] = { setting: kebab(key), source: `--${kebab(key)}` };
  const shapeKeys = new Set(Object.keys(schema.shape));
  const merged: Merged = { values: {}, origin: {}, problems: [...fromFile.problems, ...fromEnv.problems] };
  for (const layer of [fromFile, fromEnv, fromFlags]) {
    for (const [key, value] of Object.entries(layer.values)) {
      if (value === undefined || !shapeKeys.has(key)) continue;
      merged.values[key] = value;
      merged.origin[key] = layer.origin[key]!;
    }
  }
  return merged;
}

/** zod's verdict as problems naming each setting and where its value came from. */
function judge<S extends z.ZodObject>(
  schema: S,
  values: RawValues,
  originOf: (key: string) => Origin,
): { data?: z.output<S>; problems: SettingProblem[] } {
  const result = schema.safeParse(values);
  if (result.success) return { data: result.data, problems: [] };
  const keys = Object.keys(schema.shape);
  const problems: SettingProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const guess = nearest(key, keys);
        problems.push({ ...originOf(key), message: `is not an option here${guess ? `; did you mean ${originOf(guess).source}?` : ''}` });
      }
      continue;
    }
    const key = issue.path[0];
    problems.push(
      typeof key === 'string' ? { ...originOf(key), message: issue.message } : { setting: null, source: null, message: issue.message },
    );
  }
  return { problems };
}

/** Validates the merged values against `schema`; throws a UsageError listing every problem. */
export async function resolveOptions<S extends z.ZodObject>(schema: S, input: ResolveInput): Promise<z.output<S>> {
  const merged = await merge(schema, input);
  const verdict = judge(schema, merged.values, (key) => merged.origin[key] ?? { setting: kebab(key), source: `--${kebab(key)}` });
  const problems = [...merged.problems, ...verdict.problems];
  if (problems.length > 0) throw new UsageError(problems, { hint: FIX_SETTINGS });
  return verdict.data!;
}

/** Ranks the places a URL can come from; equal ranks are a conflict. */
function urlRank(origin: Origin): number {
  if (origin.source.startsWith('--') || origin.source.startsWith('options.')) return 4;
  if (origin.source === 'DATABASE_URL') return 2;
  if (origin.source.startsWith(ENV_PREFIX)) return 3;
  return 1;
}

/** The connection-related settings, as target.ts takes them. */
function targetInput(
  data: RawValues,
  originOf: (key: string) => Origin,
  env: NodeJS.ProcessEnv,
): { input: TargetInput; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const given = <T>(key: string) => (data[key] === undefined ? undefined : { value: data[key] as T, ...originOf(key) });
  const text = given<string>('databaseUrl');
  const file = given<string>('databaseUrlFile');
  let url: TargetInput['url'];
  if (text && file && urlRank(text) === urlRank(file)) {
    problems.push({ setting: null, source: null, message: `both ${text.source} and ${file.source} give the database URL: keep one` });
  } else if (text || file) {
    url = text && (!file || urlRank(text) > urlRank(file)) ? { ...text, kind: 'text' } : { ...file!, kind: 'file' };
  }
  return {
    problems,
    input: {
      ...(url ? { url } : {}),
      ...(data.sslmode !== undefined ? { sslmode: given<string>('sslmode')! } : {}),
      ...(data.sslRootCert !== undefined ? { sslRootCert: given<string>('sslRootCert')! } : {}),
      ...(data.sslCert !== undefined ? { sslCert: given<string>('sslCert')! } : {}),
      ...(data.sslKey !== undefined ? { sslKey: given<string>('sslKey')! } : {}),
      ...(data.connectTimeout !== undefined ? { connectTimeoutMs: given<number>('connectTimeout')! } : {}),
      ...(data.channelBinding !== undefined ? { channelBinding: given<string>('channelBinding')! } : {}),
      ...(data.connectRetry !== undefined ? { connectRetryMs: given<number>('connectRetry')! } : {}),
      env,
    },
  };
}

function connectTo(
  data: RawValues,
  originOf: (key: string) => Origin,
  env: NodeJS.ProcessEnv,
  io: TargetIo,
): { connection?: ConnectionTarget; notes: TargetNote[]; problems: SettingProblem[] } {
  const { input, problems } = targetInput(data, originOf, env);
  if (problems.length > 0) return { problems, notes: [] };
  const resolved = resolveTarget(input, io);
  return resolved.ok ? { connection: resolved.target, notes: resolved.notes, problems: [] } : { problems: resolved.problems, notes: [] };
}

function usageError(problems: SettingProblem[]): UsageError {
  const noDatabase = problems.length === 1 && problems[0]!.message.startsWith('no database URL');
  return new UsageError(problems, { hint: noDatabase ? NO_DATABASE_HINT : FIX_SETTINGS });
}

/** A switch's raw value, judged leniently: for choosing how to report a failure. */
export function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['true', '1', 'yes'].includes(value.trim().toLowerCase()));
}

export interface CliResolveInput {
  flags: RawValues;
  env: NodeJS.ProcessEnv;
  cwd: string;
  knownKeys: ReadonlySet<string>;
  flagOnlyKeys?: ReadonlySet<string>;
  io?: TargetIo;
}

export type Resolution<T> =
  | { ok: true; settings: Connected<T>; configFile: ConfigFile | null; notes: TargetNote[] }
  | { ok: false; error: UsageError; configFile: ConfigFile | null; json: boolean; debug: boolean };

/**
 * The CLI's resolution: locate the config file, merge, validate, resolve the connection.
 * A failure still says whether JSON output was asked for (flag, environment or config file),
 * so even a bad setting is reported in the form the user asked for.
 */
export async function resolveSettings<S extends z.ZodObject>(schema: S, input: CliResolveInput): Promise<Resolution<z.output<S>>> {
  const located = locateConfigFile(input.flags.config, input.env, input.cwd);
  const { config: _config, ...flags } = input.flags;
  void _config;
  const merged = await merge(schema, {
    flags,
    env: input.env,
    configFile: located.file?.path,
    knownKeys: input.knownKeys,
    flagOnlyKeys: input.flagOnlyKeys,
  });
  const originOf = (key: string) => merged.origin[key] ?? { setting: kebab(key), source: `--${kebab(key)}` };
  const verdict = judge(schema, merged.values, originOf);
  const problems = [...located.problems, ...merged.problems, ...verdict.problems];
  let connection: ConnectionTarget | undefined;
  let notes: TargetNote[] = [];
  if (problems.length === 0) {
    const connected = connectTo(verdict.data as RawValues, originOf, input.env, input.io ?? systemTargetIo());
    problems.push(...connected.problems);
    connection = connected.connection;
    notes = connected.notes;
  }
  if (problems.length > 0 || !connection) {
    return {
      ok: false,
      error: usageError(problems),
      configFile: located.file,
      json: truthy(merged.values.json),
      debug: truthy(merged.values.debug),
    };
  }
  return { ok: true, settings: { ...(verdict.data as z.output<S>), connection }, configFile: located.file, notes };
}

export interface ApiResolveOptions {
  /** Where the libpq variables are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  io?: TargetIo;
}

/**
 * The API's resolution, the same for every entry point: `rawOptions` holds the CLI's options
 * in camelCase; the connection is resolved from `databaseUrl` or `databaseUrlFile` and the
 * libpq variables (AIBRIDGE_MIGRATE_* and DATABASE_URL are the CLI's and are not read).
 * Throws a UsageError (code USAGE, exitCode 2) before anything connects, listing every
 * problem as `Setting '<option>' (options.<key>): <problem>`; `error.details.problems` holds
 * the same as `{ setting, source, message }` objects.
 */
export function resolveApiOptions<S extends z.ZodObject>(
  schema: S,
  rawOptions: unknown,
  options: ApiResolveOptions = {},
): Connected<z.output<S>> {
  if (rawOptions === null || typeof rawOptions !== 'object' || Array.isArray(rawOptions)) {
    throw new UsageError([{ setting: null, source: 'options', message: 'must be an object, e.g. { databaseUrl: "postgres://…" }' }], {
      hint: FIX_SETTINGS,
    });
  }
  const originOf = (key: string): Origin => ({ setting: kebab(key), source: `options.${key}` });
  const verdict = judge(schema, rawOptions as RawValues, originOf);
  if (verdict.problems.length > 0) throw usageError(verdict.problems);
  const connected = connectTo(verdict.data as RawValues, originOf, options.env ?? process.env, options.io ?? systemTargetIo());
  if (!connected.connection) throw usageError(connected.problems);
  return { ...(verdict.data as z.output<S>), connection: connected.connection };
}
