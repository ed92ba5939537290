/**
 * The benchmark's WAL measures that split a run by checkpoint interval and by relation
 * (bench/metrics/full-page-images.ts): a probe result under a rate limit holds only with its
 * intervals counted (docs/benchmarks.md, fourteenth session), so the counting must be right.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointsBegun, imagesPerRelation, walInspectAvailable, writesPerInterval } from '../../bench/metrics/full-page-images.js';
import type { EmbeddedServer } from '../harness/embedded-server.js';
import { startImagingServer } from '../harness/imaging-server.js';
import { requestedMajor } from '../harness/provision.js';

describe.runIf(requestedMajor() >= 15)('bench WAL measures: images per relation and writes per checkpoint interval', () => {
  let server: EmbeddedServer;
  let admin: pg.Client;
  beforeAll(async () => {
    server = await startImagingServer({ autovacuum: 'off' });
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    expect(await walInspectAvailable(admin)).toBe(true);
    await admin.query(`CREATE TABLE measured (id int PRIMARY KEY, pad text NOT NULL)`);
    await admin.query(`INSERT INTO measured SELECT g, repeat('x', 100) FROM generate_series(1, 5000) AS g`);
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  const lsn = async () => (await admin.query(`SELECT pg_current_wal_insert_lsn()::text AS l`)).rows[0].l as string;

  it("splits the WAL at each checkpoint's redo point, counts the checkpoints, and the images per relation", async () => {
    await admin.query('CHECKPOINT');
    const from = await lsn();
    // A new key is never HOT: 100 non-HOT updates, then a checkpoint, then 150 more.
    await admin.query(`UPDATE measured SET id = id + 100000 WHERE id <= 100`);
    await admin.query('CHECKPOINT');
    await admin.query(`UPDATE measured SET id = id + 100000 WHERE id BETWEEN 1001 AND 1150`);
    // A HOT update in the same interval is not counted.
    await admin.query(`UPDATE measured SET pad = 'y' WHERE id = 4000`);
    const to = await lsn();
    // pg_walinspect reads only flushed WAL; this checkpoint's record lies after `to`.
    await admin.query('CHECKPOINT');

    const intervals = await writesPerInterval(admin, from, to);
    expect(intervals.map((i) => i.nonHotUpdates)).toEqual([100, 150]);
    // The checkpoint inside the stretch, not the ones before `from` or after `to`.
    expect(await checkpointsBegun(admin, from, to)).toBe(1);
    expect(intervals[0]!.from).toBe(from);
    // The primary key's pages the updates wrote are imaged again after the checkpoint.
    for (const interval of intervals) expect(interval.indexImages).toBeGreaterThan(0);

    const relations = await imagesPerRelation(admin, from, to);
    const key = relations.find((r) => r.relation === 'measured_pkey');
    const heap = relations.find((r) => r.relation === 'measured');
    expect(key).toBeDefined();
    expect(heap).toBeDefined();
    // Some of the key's pages were imaged in both intervals: more images than distinct pages.
    expect(key!.images).toBe(intervals.reduce((sum, i) => sum + i.indexImages, 0));
    expect(key!.pages).toBeLessThan(key!.images);
  });
});
