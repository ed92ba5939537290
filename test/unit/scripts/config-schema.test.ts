/**
 * The config file's JSON Schema (docs/config.schema.json, shipped in the package): generated
 * from the commands' schemas and up to date, it accepts the documented example config and
 * rejects a typo'd key, as an editor using it would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchemaText, SCHEMA_FILE } from '../../../scripts/config-schema.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Every ```yaml block of the README and docs/ that is a config file (starts with `# aibridge-migrate.yaml`). */
function documentedConfigs(): { where: string; value: unknown }[] {
  const files = [
    'README.md',
    ...fs
      .readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  return files.flatMap((file) =>
    [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/```yaml\n(# aibridge-migrate\.yaml\n[\s\S]*?)```/g)].map((m) => ({
      where: file,
      value: parse(m[1]!) as unknown,
    })),
  );
}

describe('the config file JSON Schema', () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

  it('is up to date with the option schemas (regenerate with `npm run schema`)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(configSchemaText());
  });

  it('is shipped in the package', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('docs/config.schema.json');
  });

  it('accepts every documented example config', () => {
    const examples = documentedConfigs();
    expect(examples.length).toBeGreaterThan(0);
    for (const { where, value } of examples) expect(validate(value), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
  });

  it('rejects a typo’d key, a bad value, and a flag-only option', () => {
    expect(validate({ 'lock-timout': '2s' })).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'lock-timout' } }),
    );
    expect(validate({ sslmode: 'verify' })).toBe(false);
    expect(validate({ 'batch-size': 0 })).toBe(false);
    expect(validate({ restart: true })).toBe(false);
    expect(validate({ 'lock-timeout': '2s', batchSizeMax: 9000, 'connect-retry': 20000, 'channel-binding': 'require' })).toBe(true);
  });

  it('gives numeric defaults as numbers', () => {
    const properties = schema.properties as Record<string, { default?: unknown }>;
    expect(properties['batch-size-max']!.default).toBe(50_000);
    expect(properties['metrics-host']!.default).toBe('127.0.0.1');
  });
});
