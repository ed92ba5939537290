/** Loads the application's pre-change schema (fixtures/schema.sql) into a database. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { quoteIdent } from '../../src/db/identifier.js';

export const BASELINE_SCHEMA_FILE = fileURLToPath(new URL('../../fixtures/schema.sql', import.meta.url));

export async function loadBaselineSchema(url: string, schema = 'public'): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    await client.query(fs.readFileSync(BASELINE_SCHEMA_FILE, 'utf8'));
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
