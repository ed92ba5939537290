/**
 * The JSON Schema of the config file (aibridge-migrate.yaml / .json), generated from every
 * command's zod schema: the keys any command takes (kebab-case, and camelCase as the reader also
 * accepts), their types, descriptions and defaults; no other key. Flag-only options are not
 * there: the reader refuses them from a file. `npm run schema` writes docs/config.schema.json,
 * which the package ships and a test keeps up to date.
 */
import { z } from 'zod';
import { optionInfo, type OptionMeta } from '../config/fields.js';
import { kebab } from '../config/spelling.js';
import type { Command } from './command.js';

export const CONFIG_SCHEMA_ID = 'https://github.com/aibridge-migrate/aibridge-migrate/blob/main/docs/config.schema.json';

/** The JSON Schema a field builder attached (fields.ts), else zod's rendering of its input. */
function fieldSchema(schema: z.ZodType): Record<string, unknown> {
  let node: z.ZodType | undefined = schema;
  while (node) {
    const json = (node.meta() as OptionMeta | undefined)?.json;
    if (json) return { ...json };
    const def = node._zod.def as unknown as { innerType?: z.ZodType; in?: z.ZodType };
    node = def.innerType ?? def.in;
  }
  const rendered = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  // zod copies every .meta() key into the schema: keep only JSON Schema's own.
  const ours = new Set(['$schema', 'describe', 'group', 'defaultText', 'boolean', 'flagOnly', 'json', 'default']);
  return Object.fromEntries(Object.entries(rendered).filter(([key]) => !ours.has(key)));
}

/** The default as the schema holds it (a number stays a number), or undefined. */
function rawDefault(schema: z.ZodType): unknown {
  let node: z.ZodType | undefined = schema;
  while (node) {
    const def = node._zod.def as unknown as { type: string; defaultValue?: unknown; innerType?: z.ZodType; in?: z.ZodType };
    if (def.type === 'prefault' || def.type === 'default') return def.defaultValue;
    node = def.innerType ?? def.in;
  }
  return undefined;
}

export function configJsonSchema(commands: readonly Command[]): Record<string, unknown> {
  const fields = new Map<string, { schema: Record<string, unknown>; uses: { command: string; describe: string; default?: string }[] }>();
  for (const command of commands) {
    for (const [key, field] of Object.entries(command.shape)) {
      const info = optionInfo(key, field);
      if (info.flagOnly) continue;
      const entry = fields.get(key) ?? { schema: fieldSchema(field), uses: [] };
      entry.uses.push({ command: command.name, describe: info.describe, ...(info.defaultText ? { default: info.defaultText } : {}) });
      fields.set(key, entry);
    }
  }
  const properties: Record<string, unknown> = {};
  for (const key of [...fields.keys()].sort()) {
    const { schema, uses } = fields.get(key)!;
    const texts = [...new Set(uses.map((u) => `${u.describe}${u.default ? ` (default: ${u.default})` : ''}`))];
    const description =
      texts.length === 1
        ? `${texts[0]} [${uses.map((u) => u.command).join(', ')}]`
        : uses.map((u) => `${u.command}: ${u.describe}${u.default ? ` (default: ${u.default})` : ''}`).join('; ');
    const defaults = new Set(uses.map((u) => JSON.stringify(rawDefault(commands.find((c) => c.name === u.command)!.shape[key]!))));
    const [only] = defaults;
    const fixedDefault = defaults.size === 1 && only !== undefined ? (JSON.parse(only) as unknown) : undefined;
    properties[kebab(key)] = { ...schema, description, ...(fixedDefault !== undefined ? { default: fixedDefault } : {}) };
    if (kebab(key) !== key) properties[key] = { ...schema, description: `the same as "${kebab(key)}"` };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: CONFIG_SCHEMA_ID,
    title: 'aibridge-migrate config file',
    description:
      'Settings for every aibridge-migrate command (aibridge-migrate.yaml, .yml or .json in the working directory, or named by --config / AIBRIDGE_MIGRATE_CONFIG). Flags and the environment win over the file.',
    type: 'object',
    additionalProperties: false,
    properties,
  };
}
