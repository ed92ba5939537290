/**
 * Writes docs/config.schema.json, the JSON Schema of the config file, from the commands' zod
 * schemas. `npm run schema`; test/unit/scripts/config-schema.test.ts fails while the file is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../src/cli/commands/index.js';
import { configJsonSchema } from '../src/cli/config-schema.js';

export const SCHEMA_FILE = path.resolve(import.meta.dirname, '..', 'docs', 'config.schema.json');

export function configSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(COMMANDS), null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  fs.writeFileSync(SCHEMA_FILE, configSchemaText());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
