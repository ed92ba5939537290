/**
 * The one way from raw inputs to settings, for the CLI, every API entry point and the tests:
 * read the sources (layers.ts), merge them, validate the result against a command's schema,
 * and resolve the connection. Every setting comes back with where its value came from (a
 * typed origin), and so does the output mode (JSON, debug) — also when the settings are bad,
 * so that a bad setting is reported in the form the user asked for.
 *
 * The database URL is one setting given one of two ways (the text, or a file holding it); of
 * the two, the one from the higher source wins, and both from the same source is an error:
 *   --database-url | --database-url-file  >  AIBRIDGE_MIGRATE_DATABASE_URL | …_FILE
 *   >  DATABASE_URL  >  config file database-url | database-url-file
 * What the URL leaves out comes from the libpq variables, and without any URL they say where
 * to go alone (src/db/target.ts).
 *
 * Every problem across every source is collected and reported at once, each as
 * `Setting '<option>' (<where the value came from>): <problem>` (errors.ts, formatProblem).
 */
import type { z } from 'zod';
import { UsageError, type SettingProblem } from '../errors.js';
import {
  resolveTarget,
  systemTargetIo,
  type ConnectionTarget,
  type Given,
  type TargetInput,
  type TargetIo,
  type TargetNote,
} from '../db/target.js';
import type { Settings } from './common.js';
import { inMs, parseSwitch } from './fields.js';
import {
  emptyLayer,
  givenLayer,
  locateConfigFile,
  mergeLayers,
  RANK,
  readConfigFile,
  readEnvironment,
  spell,
  type ConfigFile,
  type GivenAs,
  type Layer,
  type RawValues,
  type SettingOrigin,
} from './layers.js';
import { kebab, nearest } from './spelling.js';

export { CONFIG_ENV, CONFIG_FILE_NAMES, type ConfigFile, type OriginKind, type SettingOrigin } from './layers.js';
export type { Settings } from './common.js';

const FIX_SETTINGS = 'Fix the settings above; nothing was run.';

export interface ResolveInput {
  /**
   * `cli`: `given` are the command line's flags (camelCase; `config` names the config file),
   * and the environment's AIBRIDGE_MIGRATE_* / DATABASE_URL and the config file are read too.
   * `api`: `given` is the API's options object, and only the libpq variables are read.
   */
  from: 'cli' | 'api';
  given: unknown;
  /** The process environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where a config file is looked for (cli; default process.cwd()). */
  cwd?: string;
  /** Every option key any command knows (cli): unknown keys elsewhere are errors, other commands' are not. Default: the schema's. */
  knownKeys?: ReadonlySet<string>;
  /** Keys that may only come from a flag (destructive or one-off switches), refused from the environment and a config file. */
  flagOnlyKeys?: ReadonlySet<string>;
  io?: TargetIo;
}

/** How results and failures are shown: resolved like any setting (flag > environment > config file). */
export interface OutputMode {
  json: boolean;
  debug: boolean;
}

interface Resolved {
  /** The config file read (cli), or null for none. */
  configFile: ConfigFile | null;
  mode: OutputMode;
}

export type Resolution<S extends z.ZodObject> =
  | (Resolved & { ok: true; settings: Settings<S>; origins: Record<string, SettingOrigin>; notes: TargetNote[] })
  | (Resolved & { ok: false; error: UsageError });

/** The sources read and merged, with the problems found in them. */
async function gather(
  schema: z.ZodObject,
  input: ResolveInput,
  env: NodeJS.ProcessEnv,
): Promise<{ merged: Layer; configFile: ConfigFile | null; as: GivenAs }> {
  const keys = new Set(Object.keys(schema.shape));
  if (input.from === 'api') {
    const layers = { file: emptyLayer(), env: emptyLayer(), given: givenLayer(input.given as RawValues, 'option') };
    return { merged: mergeLayers(layers, keys), configFile: null, as: 'option' };
  }
  const { config, ...flags } = input.given as RawValues;
  const rules = { knownKeys: input.knownKeys ?? keys, flagOnlyKeys: input.flagOnlyKeys ?? new Set<string>() };
  const located = locateConfigFile(config, env, input.cwd ?? process.cwd());
  const file = located.file ? await readConfigFile(located.file.path, rules) : emptyLayer();
  const merged = mergeLayers({ file, env: readEnvironment(env, rules), given: givenLayer(flags, 'flag') }, keys);
  merged.problems.unshift(...located.problems);
  return { merged, configFile: located.file, as: 'flag' };
}

/** Where each of the schema's settings came from: a source, or the default. */
function originsOf(schema: z.ZodObject, merged: Layer): Record<string, SettingOrigin> {
  const origins: Record<string, SettingOrigin> = {};
  for (const key of Object.keys(schema.shape)) origins[key] = merged.origins[key] ?? { kind: 'default', source: 'default' };
  return origins;
}

/** zod's verdict as problems naming each setting and where its value came from. */
function judge(schema: z.ZodObject, merged: Layer, as: GivenAs): { data?: RawValues; problems: SettingProblem[] } {
  const result = schema.safeParse(merged.values);
  if (result.success) return { data: result.data, problems: [] };
  const about = (key: string) => ({ setting: kebab(key), source: merged.origins[key]?.source ?? 'default' });
  const problems: SettingProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const guess = nearest(key, Object.keys(schema.shape));
        problems.push({ ...about(key), message: `is not an option here${guess ? `; did you mean ${spell(guess, as)}?` : ''}` });
      }
      continue;
    }
    const key = issue.path[0];
    problems.push(
      typeof key === 'string' ? { ...about(key), message: issue.message } : { setting: null, source: null, message: issue.message },
    );
  }
  return { problems };
}

/** One of the connection's settings, as target.ts takes it: the value with its setting and source. */
function givenSetting<T>(data: RawValues, merged: Layer, key: string): Given<T> | undefined {
  return data[key] === undefined ? undefined : { value: data[key] as T, setting: kebab(key), source: merged.origins[key]!.source };
}

/** The database URL: the text or the file, whichever came from the higher source; both from one source is an error. */
function chooseUrl(data: RawValues, merged: Layer): { url?: TargetInput['url']; problem?: SettingProblem } {
  const text = givenSetting<string>(data, merged, 'databaseUrl');
  const file = givenSetting<string>(data, merged, 'databaseUrlFile');
  if (!text || !file) return { url: text ? { ...text, kind: 'text' } : file ? { ...file, kind: 'file' } : undefined };
  const [textRank, fileRank] = [RANK[merged.origins.databaseUrl!.kind], RANK[merged.origins.databaseUrlFile!.kind]];
  if (textRank === fileRank) {
    return { problem: { setting: null, source: null, message: `both ${text.source} and ${file.source} give the database URL: keep one` } };
  }
  return { url: textRank > fileRank ? { ...text, kind: 'text' } : { ...file, kind: 'file' } };
}

/**
 * The connection, from the connection settings and the libpq variables. `data` is keyed by
 * option, as the origins are (before the durations move to their …Ms names).
 */
function connect(
  data: RawValues,
  merged: Layer,
  env: NodeJS.ProcessEnv,
  io: TargetIo,
): { connection: ConnectionTarget; notes: TargetNote[] } | { problems: SettingProblem[]; hint?: string } {
  const { url, problem } = chooseUrl(data, merged);
  if (problem) return { problems: [problem] };
  const setting = <T>(key: string) => givenSetting<T>(data, merged, key);
  const input: TargetInput = { env };
  if (url) input.url = url;
  for (const key of ['sslmode', 'sslRootCert', 'sslCert', 'sslKey', 'channelBinding'] as const) {
    const value = setting<string>(key);
    if (value) input[key] = value;
  }
  const timeout = setting<number>('connectTimeout');
  if (timeout) input.connectTimeoutMs = timeout;
  const retry = setting<number>('connectRetry');
  if (retry) input.connectRetryMs = retry;
  const resolved = resolveTarget(input, io);
  return resolved.ok ? { connection: resolved.target, notes: resolved.notes } : resolved;
}

function modeOf(values: RawValues): OutputMode {
  return { json: parseSwitch(values.json) ?? false, debug: parseSwitch(values.debug) ?? false };
}

function failure(problems: SettingProblem[], resolved: Resolved, hint = FIX_SETTINGS): Resolved & { ok: false; error: UsageError } {
  return { ...resolved, ok: false, error: new UsageError(problems, { hint }) };
}

/**
 * Resolves `schema`'s settings from `input`. Never throws for bad settings: the resolution says
 * what is wrong (a UsageError, code USAGE, exit 2, listing every problem; `error.details.problems`
 * holds them as `{ setting, source, message }`), and in which output mode to say it.
 */
export async function resolveSettings<S extends z.ZodObject>(schema: S, input: ResolveInput): Promise<Resolution<S>> {
  const env = input.env ?? process.env;
  if (input.given === null || typeof input.given !== 'object' || Array.isArray(input.given)) {
    const message = 'must be an object, e.g. { databaseUrl: "postgres://…" }';
    return failure([{ setting: null, source: 'options', message }], { configFile: null, mode: { json: false, debug: false } });
  }
  const { merged, configFile, as } = await gather(schema, input, env);
  const resolved: Resolved = { configFile, mode: modeOf(merged.values) };
  const verdict = judge(schema, merged, as);
  const problems = [...merged.problems, ...verdict.problems];
  if (problems.length > 0 || !verdict.data) return failure(problems, resolved);
  const origins = originsOf(schema, merged);
  const values = inMs(schema.shape, verdict.data);
  if (!('databaseUrl' in schema.shape)) return { ...resolved, ok: true, settings: values as Settings<S>, origins, notes: [] };
  const connected = connect(verdict.data, merged, env, input.io ?? systemTargetIo());
  if ('problems' in connected) return failure(connected.problems, resolved, connected.hint);
  const settings = { ...values, connection: connected.connection } as Settings<S>;
  return { ...resolved, ok: true, settings, origins, notes: connected.notes };
}

/** The settings of a successful resolution; a failed one's UsageError is thrown (the API's way). */
export function settingsOrThrow<S extends z.ZodObject>(resolution: Resolution<S>): Settings<S> {
  if (!resolution.ok) throw resolution.error;
  return resolution.settings;
}
