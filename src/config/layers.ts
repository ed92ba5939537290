/**
 * Where settings come from, lowest priority first: built-in defaults < the config file < the
 * environment (AIBRIDGE_MIGRATE_*, DATABASE_URL) < what the caller gave (the command line's
 * flags, or the API's options object). Each source is read into a layer that says, for every
 * value, where it came from; merging keeps the value of the highest layer that has one.
 *
 * The config file is --config, else AIBRIDGE_MIGRATE_CONFIG, else aibridge-migrate.yaml, .yml
 * or .json in the working directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SettingProblem } from '../errors.js';
import { camel, ENV_PREFIX, envName, kebab, nearest } from './spelling.js';

export type RawValues = Record<string, unknown>;

/** Where a setting's value came from, by precedence: `flag` (or the API's options object) > `env` > `config` > `default`. */
export type OriginKind = 'flag' | 'env' | 'config' | 'default';

export interface SettingOrigin {
  kind: OriginKind;
  /** As a message names it: `--batch-size`, `options.batchSize`, `AIBRIDGE_MIGRATE_BATCH_SIZE`, `config file key "batch-size"`, `default`. */
  source: string;
}

/** How the caller's own values are named: on the command line, or as keys of the API's options object. */
export type GivenAs = 'flag' | 'option';

export function spell(key: string, as: GivenAs): string {
  return as === 'flag' ? `--${kebab(key)}` : `options.${key}`;
}

export const RANK: Readonly<Record<OriginKind, number>> = { default: 0, config: 1, env: 2, flag: 3 };

/** The environment variable naming a config file; not an option itself. */
export const CONFIG_ENV = 'AIBRIDGE_MIGRATE_CONFIG';
/** Read from the working directory when neither --config nor AIBRIDGE_MIGRATE_CONFIG names a file. */
export const CONFIG_FILE_NAMES = ['aibridge-migrate.yaml', 'aibridge-migrate.yml', 'aibridge-migrate.json'] as const;

export interface ConfigFile {
  path: string;
  /** How it was chosen. */
  via: '--config' | typeof CONFIG_ENV | 'working directory';
}

/** The values of one source, each with where it came from, and what was wrong with the source. */
export interface Layer {
  values: RawValues;
  origins: Record<string, SettingOrigin>;
  problems: SettingProblem[];
}

export function emptyLayer(): Layer {
  return { values: {}, origins: {}, problems: [] };
}

/** Which config file applies: --config, else AIBRIDGE_MIGRATE_CONFIG, else one in `cwd`. */
export function locateConfigFile(
  flagValue: unknown,
  env: NodeJS.ProcessEnv,
  cwd: string,
  exists: (file: string) => boolean = fs.existsSync,
): { file: ConfigFile | null; problems: SettingProblem[] } {
  const named =
    typeof flagValue === 'string' && flagValue !== ''
      ? { path: flagValue, via: '--config' as const }
      : env[CONFIG_ENV]
        ? { path: env[CONFIG_ENV], via: CONFIG_ENV as typeof CONFIG_ENV }
        : null;
  if (named) return { file: { path: path.resolve(cwd, named.path), via: named.via }, problems: [] };
  const found = CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).filter((file) => exists(file));
  if (found.length > 1) {
    const names = found.map((f) => path.basename(f)).join(', ');
    return {
      file: null,
      problems: [{ setting: null, source: null, message: `several config files in ${cwd}: ${names}; keep one, or name one with --config` }],
    };
  }
  return { file: found[0] ? { path: found[0], via: 'working directory' } : null, problems: [] };
}

/** What every key of a source must be: an option some command knows, and not one only a flag may give. */
export interface KeyRules {
  knownKeys: ReadonlySet<string>;
  flagOnlyKeys: ReadonlySet<string>;
}

/** Values from AIBRIDGE_MIGRATE_* variables, and DATABASE_URL when neither of the toolkit's own URL variables is set. */
export function readEnvironment(env: NodeJS.ProcessEnv, rules: KeyRules): Layer {
  const layer = emptyLayer();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || name === CONFIG_ENV) continue;
    const key = camel(name.slice(ENV_PREFIX.length).toLowerCase());
    if (!rules.knownKeys.has(key)) {
      const guess = nearest(key, rules.knownKeys);
      layer.problems.push({
        setting: null,
        source: null,
        message: `environment variable ${name} is not an option of aibridge-migrate (${guess ? `did you mean ${envName(guess)}? ` : ''}see --help for the list)`,
      });
    } else if (rules.flagOnlyKeys.has(key)) {
      layer.problems.push({ setting: kebab(key), source: name, message: `can only be given on the command line (--${kebab(key)})` });
    } else {
      layer.values[key] = value;
      layer.origins[key] = { kind: 'env', source: name };
    }
  }
  // DATABASE_URL ranks below both of the toolkit's own URL variables. Empty (exported blank by a
  // wrapper script) means unset, not a URL to reject.
  const ownUrl = layer.values.databaseUrl !== undefined || layer.values.databaseUrlFile !== undefined;
  if (env.DATABASE_URL && !ownUrl && rules.knownKeys.has('databaseUrl')) {
    layer.values.databaseUrl = env.DATABASE_URL;
    layer.origins.databaseUrl = { kind: 'env', source: 'DATABASE_URL' };
  }
  return layer;
}

/** The file's text parsed as JSON or YAML, or the problem. */
async function parseConfigText(file: string): Promise<{ parsed: unknown } | { problem: string }> {
  const ext = path.extname(file).toLowerCase();
  const yaml = ext === '.yaml' || ext === '.yml';
  if (!yaml && ext !== '.json') {
    return {
      problem: `the config file ${file} must be .yaml, .yml or .json (got ${ext ? `"${ext}"` : 'no extension'}); other formats are not read`,
    };
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: `cannot read the config file ${file}: ${(error as Error).message}` };
  }
  try {
    return { parsed: yaml ? (await import('yaml')).parse(text) : JSON.parse(text) };
  } catch (error) {
    return { problem: `the config file ${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}` };
  }
}

/** A JSON or YAML file of options; keys may be kebab-case (as flags) or camelCase. */
export async function readConfigFile(file: string, rules: KeyRules): Promise<Layer> {
  const layer = emptyLayer();
  const read = await parseConfigText(file);
  const parsed = 'parsed' in read ? read.parsed : null;
  if ('problem' in read || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const message = 'problem' in read ? read.problem : `the config file ${file} must hold an object of option names to values`;
    return { ...layer, problems: [{ setting: null, source: null, message }] };
  }
  for (const [rawKey, value] of Object.entries(parsed)) {
    const key = camel(rawKey);
    const source = `config file key "${rawKey}"`;
    if (!rules.knownKeys.has(key)) {
      const guess = nearest(key, rules.knownKeys);
      layer.problems.push({
        setting: null,
        source: null,
        message: `config file ${file}: "${rawKey}" is not an option of aibridge-migrate${guess ? ` (did you mean "${kebab(guess)}"?)` : ''}`,
      });
    } else if (rules.flagOnlyKeys.has(key)) {
      layer.problems.push({ setting: kebab(key), source, message: `can only be given on the command line (--${kebab(key)})` });
    } else {
      layer.values[key] = value;
      layer.origins[key] = { kind: 'config', source };
    }
  }
  return layer;
}

/** What the caller gave: every key is kept, so a key the schema does not know is reported by name. */
export function givenLayer(values: RawValues, as: GivenAs): Layer {
  const layer = emptyLayer();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    layer.values[key] = value;
    layer.origins[key] = { kind: 'flag', source: spell(key, as) };
  }
  return layer;
}

/**
 * The layers merged, lowest first: each key takes the value of the highest layer holding it.
 * From the environment and the config file only `keys` are taken (they may hold other
 * commands' settings); what the caller gave is kept whole.
 */
export function mergeLayers(layers: { file: Layer; env: Layer; given: Layer }, keys: ReadonlySet<string>): Layer {
  const merged = emptyLayer();
  merged.problems.push(...layers.file.problems, ...layers.env.problems, ...layers.given.problems);
  for (const layer of [layers.file, layers.env, layers.given]) {
    for (const [key, value] of Object.entries(layer.values)) {
      if (layer !== layers.given && !keys.has(key)) continue;
      merged.values[key] = value;
      merged.origins[key] = layer.origins[key]!;
    }
  }
  return merged;
}
