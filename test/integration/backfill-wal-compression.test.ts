/**
 * --wal-compression: a backfill that lives through checkpoints writes most of its WAL as page
 * images; asked to, its steps compress them (wal_compression, set per transaction). Off by
 * default; where the role may not set it, `auto` runs without and an explicit method refuses
 * to start.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fullPageImages, walInspectAvailable } from '../../bench/metrics/full-page-images.js';
import type { BackfillEvent } from '../../src/backfill/events.js';
import { generateDataset } from '../../fixtures/generator.js';
import type { EmbeddedServer } from '../harness/embedded-server.js';
import { startImagingServer } from '../harness/imaging-server.js';
import { requestedMajor } from '../harness/provision.js';
import { loadBaselineSchema } from '../harness/template.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';
import { backfill, wrongRows } from '../harness/backfill.js';
import { findPgBasebackup, startStandby } from '../harness/standby.js';
import { walCompressionFacts } from '../../src/backfill/run/server-facts.js';

const walInspect = inject('pgVersionNum') >= 150_000;
const role = `no_superuser_${process.pid}`;

type Db = Parameters<typeof wrongRows>[0];

function startEvent(events: BackfillEvent[]) {
  const start = events.find((e) => e.event === 'start');
  if (start?.event !== 'start') throw new Error('no start event');
  return start;
}

describe('backfill --wal-compression', () => {
  // A server of its own: the test server runs without full-page writes (speed); this one keeps
  // the WAL its checkpoints would recycle, for pg_walinspect to read, and nothing else writes to it.
  let server: EmbeddedServer;
  let admin: pg.Client;
  // No row here has values the application wrote: generateDataset leaves the columns at 0.
  const db = (url = server.url) =>
    ({ url, query: (text: string, values?: unknown[]) => admin.query(text, values), appWritten: new Map() }) as unknown as Db;

  /** The same 6,000 narrow rows, vacuumed (full pages, as an insert-only table has them), after a checkpoint. */
  async function freshTable(): Promise<void> {
    await admin.query('TRUNCATE aibridge_token_usages, aibridge_interceptions, aibridge_migrate.backfill_runs CASCADE');
    await generateDataset(admin, { rows: 6_000, seed: 61, shape: 'narrow' });
    await admin.query('VACUUM ANALYZE aibridge_token_usages');
    await admin.query('CHECKPOINT');
  }

  /** Page images the backfill logged, and their bytes as stored in the WAL. */
  async function imagesOf(options: Record<string, unknown>) {
    await freshTable();
    const from = (await admin.query(`SELECT pg_current_wal_insert_lsn()::text AS l`)).rows[0].l as string;
    const run = await backfill(db(), { batchSize: 100, ...options });
    expect(run.result.status).toBe('completed');
    expect(await wrongRows(db())).toEqual([]);
    // The steps commit asynchronously: their last WAL may not be flushed yet, and pg_walinspect
    // reads only flushed WAL. A checkpoint flushes it.
    await admin.query('CHECKPOINT');
    const to = (await admin.query(`SELECT pg_current_wal_flush_lsn()::text AS l`)).rows[0].l as string;
    // One server, one writer: every image in the stretch is the backfill's (or its ledger's).
    const { rows } = await admin.query(
      `SELECT sum((length(block_ref) - length(replace(block_ref, 'FPW', ''))) / 3)::int AS images, sum(fpi_length)::bigint AS bytes
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) WHERE block_ref LIKE '%FPW%'`,
      [from, to],
    );
    const table = await fullPageImages(admin, 'aibridge_token_usages', from, to);
    return { start: startEvent(run.events), images: Number(rows[0].images), bytes: Number(rows[0].bytes), table };
  }

  beforeAll(async () => {
    // Autovacuum off: a vacuum of the regenerated table between the checkpoint and the run would
    // write the first images of its pages itself.
    server = await startImagingServer({ wal_compression: 'off', autovacuum: 'off' });
    await loadBaselineSchema(server.url);
    await applyToolkitMigrations(server.url);
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    if (walInspect) expect(await walInspectAvailable(admin)).toBe(true);
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA aibridge_migrate TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    await admin.query(`GRANT UPDATE ON aibridge_token_usages TO ${role}`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA aibridge_migrate TO ${role}`);
    await admin.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA aibridge_migrate TO ${role}`);
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  /** The server's methods: lz4 and zstd only where it was built with them. */
  const methods = async () => (await walCompressionFacts(admin)).methods;

  it.runIf(walInspect)(
    'off by default; a method, as a superuser: the same page images in less WAL; auto: lz4 where the server has it',
    async () => {
      const has = await methods();
      const method = has.includes('lz4') ? 'lz4' : 'pglz';
      const off = await imagesOf({}); // off unless asked for
      const compressed = await imagesOf({ walCompression: method });
      expect(off.start.walCompression).toEqual({ set: null, why: "--wal-compression off: the server's setting (off) applies" });
      expect(compressed.start.walCompression).toEqual({ set: method, why: null });
      console.log(
        `[wal compression] off: ${off.images} images (${JSON.stringify(off.table)}), ${off.bytes} bytes; ${method}: ${compressed.images} images (${JSON.stringify(compressed.table)}), ${compressed.bytes} bytes`,
      );
      // Every page written is imaged once after the checkpoint either way.
      expect(off.images).toBeGreaterThan(150);
      expect(Math.abs(compressed.images - off.images)).toBeLessThanOrEqual(0.1 * off.images);
      expect(compressed.bytes).toBeLessThan(0.7 * off.bytes);

      const auto = await imagesOf({ walCompression: 'auto' });
      expect(auto.start.walCompression.set).toBe(has.includes('lz4') ? 'lz4' : null);
    },
  );

  it.runIf(inject('pgVersionNum') < 150_000)('before PostgreSQL 15, pglz is asked for as on (its one method)', async () => {
    await freshTable();
    const run = await backfill(db(), { batchSize: 100, walCompression: 'pglz' });
    expect(run.result.status).toBe('completed');
    expect(startEvent(run.events).walCompression).toEqual({ set: 'on', why: null });
    expect(await wrongRows(db())).toEqual([]);
  });

  // Why the option is off by default: every build that reads this WAL must have the method.
  it('a standby built without lz4 stops on the first lz4 image; pglz it replays', async (ctx) => {
    if (!(await methods()).includes('lz4')) return ctx.skip(); // the npm build on both sides
    const basebackup = findPgBasebackup(requestedMajor());
    if (basebackup.status !== 'found') return ctx.skip();
    const standby = await startStandby(server, { pgBasebackup: basebackup.path, binaries: 'package', applicationName: 'no_lz4_standby' });
    try {
      await standby.waitStreaming();
      expect((await standby.query('SELECT enumvals FROM pg_settings WHERE name = $1', ['wal_compression'])).rows[0].enumvals).not.toContain(
        'lz4',
      );
      await freshTable();
      expect((await backfill(db(), { batchSize: 100, walCompression: 'pglz' })).result.status).toBe('completed');
      await standby.waitCaughtUp(30_000);

      await freshTable();
      expect((await backfill(db(), { batchSize: 100, walCompression: 'lz4' })).result.status).toBe('completed');
      await expect(standby.waitCaughtUp(10_000)).rejects.toThrow();
      expect(standby.server.recentOutput()).toMatch(/could not restore image at .* compressed with LZ4 not supported by build/);
    } finally {
      await standby.stop();
    }
  });

  it('a role that may not set wal_compression: auto runs without it', async () => {
    await freshTable();
    const url = new URL(server.url);
    url.username = role;
    const run = await backfill(db(url.toString()), { batchSize: 100, walCompression: 'auto' });
    expect(run.result.status).toBe('completed');
    expect(startEvent(run.events).walCompression).toEqual({
      set: null,
      why: (await methods()).includes('lz4')
        ? 'this role may not set wal_compression (superuser, or GRANT SET ON PARAMETER wal_compression on 15+)'
        : 'this server has no lz4 WAL compression, and pglz costs more time than it saves (--wal-compression pglz asks for it)',
    });
    expect(await wrongRows(db())).toEqual([]);
  });

  it('an explicit method the role may not set, or the server lacks: refused before anything is written', async () => {
    await freshTable();
    const url = new URL(server.url);
    url.username = role;
    const denied = await backfill(db(url.toString()), { walCompression: 'pglz' });
    expect(
      denied.result.status === 'failed' && [denied.result.error.code, denied.result.error.exitCode, denied.result.error.message],
    ).toEqual(['PERMISSION', 3, '--wal-compression pglz: this role may not set wal_compression']);
    const runs = async () => (await admin.query(`SELECT count(*)::int AS n FROM aibridge_migrate.backfill_runs`)).rows[0].n as number;
    expect(await runs()).toBe(0);
    const missing = await backfill(db(), { walCompression: 'zstd' });
    if ((await methods()).includes('zstd')) expect(missing.result.status).toBe('completed');
    else {
      expect(missing.result.status === 'failed' && [missing.result.error.code, missing.result.error.exitCode]).toEqual(['PREFLIGHT', 5]);
      expect(await runs()).toBe(0);
    }
  });

  it.runIf(inject('pgVersionNum') >= 150_000)('GRANT SET ON PARAMETER wal_compression lets a role without superuser compress', async () => {
    await freshTable();
    await admin.query(`GRANT SET ON PARAMETER wal_compression TO ${role}`);
    try {
      const url = new URL(server.url);
      url.username = role;
      const run = await backfill(db(url.toString()), { batchSize: 100, walCompression: 'pglz' });
      expect(run.result.status).toBe('completed');
      expect(startEvent(run.events).walCompression).toEqual({ set: 'pglz', why: null });
    } finally {
      await admin.query(`REVOKE SET ON PARAMETER wal_compression FROM ${role}`);
    }
  });
});
