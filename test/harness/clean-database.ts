/**
 * A database after `up` whose application-written rows agree with their metadata (the new
 * application version writes the same counts into both, or leaves the cache keys out of
 * metadata): `verify` can pass on it once the backfill is done. preparedDatabase (backfill.ts)
 * deliberately holds conflicting rows, which verify rightly fails.
 */
import { generateDataset } from '../../fixtures/generator.js';
import { evaluateMetadataText } from '../../src/rule/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { applyToolkitMigrations } from './toolkit-schema.js';

export async function cleanDatabase(rows: number, seed: number): Promise<TestDatabase> {
  const db = await createTestDatabase();
  await applyToolkitMigrations(db.url);
  await generateDataset(db.pool, { rows, seed });
  const { rows: picked } = await db.query(
    `SELECT id::text AS id, metadata::text AS metadata FROM aibridge_token_usages
      WHERE metadata ?| array['cache_read_input', 'prompt_cached', 'input_cached'] ORDER BY md5(id::text || 'clean') LIMIT 40`,
  );
  for (const row of picked) {
    const rule = evaluateMetadataText(row.metadata);
    await db.query(`UPDATE aibridge_token_usages SET cache_read_input_tokens = $2, cache_write_input_tokens = $3 WHERE id = $1`, [
      row.id,
      rule.cacheRead.toString(),
      rule.cacheWrite.toString(),
    ]);
  }
  await db.query(
    `UPDATE aibridge_token_usages SET cache_read_input_tokens = 21, cache_write_input_tokens = 4
      WHERE id IN (SELECT id FROM aibridge_token_usages WHERE metadata = '{}'::jsonb ORDER BY md5(id::text || 'cols') LIMIT 20)`,
  );
  await db.query('ANALYZE aibridge_token_usages');
  return db;
}
