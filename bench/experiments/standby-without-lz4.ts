/**
 * What the docs say of --wal-compression lz4 and a standby built without lz4, tried: a primary
 * on a build with lz4 (PG_BINARIES, e.g. Debian's /usr/lib/postgresql/15), a streaming standby
 * on the npm package's build (no lz4), a backfill with lz4 on the primary. Prints whether the
 * standby caught up and the standby's own log lines about the images.
 *
 *   PG_BINARIES=/usr/lib/postgresql/15 npx tsx bench/experiments/standby-without-lz4.ts
 */
import pg from 'pg';
import { generateDataset } from '../../fixtures/generator.js';
import { runBackfill } from '../../src/backfill/index.js';
import { startEmbeddedServer } from '../../test/harness/embedded-server.js';
import { findPgBasebackup, startStandby } from '../../test/harness/standby.js';
import { loadBaselineSchema } from '../../test/harness/template.js';
import { applyToolkitMigrations } from '../../test/harness/toolkit-schema.js';

const withLz4 = process.env.PG_BINARIES;
if (!withLz4) throw new Error('set PG_BINARIES to a PostgreSQL 15 build with lz4');
const primary = await startEmbeddedServer({ major: 15, fast: true, settings: { full_page_writes: 'on' } });
const admin = new pg.Client({ connectionString: primary.url });
await admin.connect();
let standbyLog = '';
try {
  await loadBaselineSchema(primary.url);
  await applyToolkitMigrations(primary.url);
  await generateDataset(admin, { rows: 3_000, seed: 5, shape: 'narrow' });
  await admin.query('VACUUM ANALYZE aibridge_token_usages');
  delete process.env.PG_BINARIES; // the standby: the npm package's build
  const basebackup = findPgBasebackup(15);
  if (basebackup.status !== 'found') throw new Error(basebackup.reason);
  const standby = await startStandby(primary, { pgBasebackup: basebackup.path });
  try {
    await standby.waitStreaming();
    const version = await standby.query('SELECT version() AS v');
    console.log(`primary: ${(await admin.query('SELECT version() AS v')).rows[0].v}\nstandby: ${version.rows[0].v}`);
    await admin.query('CHECKPOINT');
    const result = await runBackfill({ databaseUrl: primary.url, walCompression: 'lz4', batchSize: 100 });
    console.log(`backfill: ${result.status}`);
    try {
      await standby.waitCaughtUp(20_000);
      console.log('standby caught up');
    } catch (error) {
      console.log(`standby did not catch up: ${(error as Error).message}`);
    }
  } finally {
    standbyLog = standby.server.recentOutput();
    await standby.stop().catch(() => {});
  }
} finally {
  await admin.end();
  await primary.stop();
  const lines = standbyLog.split('\n').filter((l) => /image|FATAL|PANIC|ERROR|startup process/i.test(l));
  console.log(`standby log:\n${lines.join('\n') || '(nothing about images, and no error)'}`);
}
