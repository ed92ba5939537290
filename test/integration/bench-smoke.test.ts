/**
 * The benchmark's whole pipeline on a tiny table, so CI exercises its code path (clones,
 * contenders, metrics, writer process, report files) without a long run. Asserts structure
 * and the facts a reader of the table relies on — never timings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sourceCli } from '../../bench/cli.js';
import { runBench, type BenchOutcome } from '../../bench/pipeline.js';
import { renderBatchChart } from '../../bench/report/chart.js';
import { writeReportFiles } from '../../bench/report/files.js';
import { renderText } from '../../bench/report/text.js';

const ROWS = 2000;
let outcome: BenchOutcome;
let outDir: string;

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const outcomes = await runBench(
    {
      rows: ROWS,
      seed: 7,
      dataset: 'narrow',
      major: 15,
      contenders: ['a', 'b', 'c'],
      rounds: 2,
      regimes: ['default'],
      load: true,
      writerRate: 50,
      idleSeconds: 1,
      outDir,
      build: false,
      serverUrl: inject('pgAdminUrl'),
      sharedBuffers: '128MB',
      replica: false,
      serverSettings: {},
      backfillArgs: [],
    },
    { log: () => {}, cli: sourceCli(), databasePrefix: `aibridge_migrate_t_${inject('pgRunId')}_bench` },
  );
  // One regime asked for: one report.
  expect(outcomes).toHaveLength(1);
  outcome = outcomes[0]!;
  // A whole benchmark (two rounds, a load phase, a dozen CLI processes): about a minute on an
  // idle machine, past the 120 s default at a load average of 15 on 2 cores. Only a hang guard.
}, 600_000);

afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

describe('bench pipeline on 2,000 rows, contenders (a), (b) and (c), two rounds', () => {
  it('measures each selected contender on identical data, the second round in the opposite order', () => {
    const { report } = outcome;
    expect(report.dataset.rows).toBe(ROWS);
    expect(report.dataset.shape).toBe('narrow');
    expect(report.rounds).toBe(2);
    expect(report.contenders.map((c) => [c.round, c.id, c.status, c.error])).toEqual([
      [1, 'a', 'ok', null],
      [1, 'c', 'ok', null],
      [1, 'b', 'ok', null],
      [2, 'b', 'ok', null],
      [2, 'c', 'ok', null],
      [2, 'a', 'ok', null],
    ]);
    for (const c of report.contenders) {
      expect(c.wallMs).toBeGreaterThan(0);
      expect(c.walBytes).toBeGreaterThan(0);
      // An UPDATE never shrinks the heap file: what is reported is what the table became.
      expect(c.heapBytesAfter).toBeGreaterThanOrEqual(report.dataset.heapBytes);
      expect(c.hotShare).not.toBeNull();
      expect(c.hotShare!).toBeGreaterThanOrEqual(0);
      expect(c.hotShare!).toBeLessThanOrEqual(1);
      expect(c.longestTransaction.samples).toBeGreaterThan(0);
      // The server's backends are processes of this machine (a container's would not be readable).
      if (inject('pgKind') !== 'testcontainers') expect(c.longestTransaction.backendCpuMs, `(${c.id}) server CPU`).toBeGreaterThan(0);
    }
    // Each ratio is against the (a) of its own round.
    const a2 = report.contenders.find((c) => c.id === 'a' && c.round === 2)!;
    const b2 = report.contenders.find((c) => c.id === 'b' && c.round === 2)!;
    expect(report.contenders[0]!.ratioToA).toBe(1);
    expect(b2.ratioToA).toBeCloseTo(b2.wallMs / a2.wallMs, 10);
    const spreadB = report.spread.find((s) => s.id === 'b')!;
    expect(spreadB.ratiosToA).toHaveLength(2);
    expect(spreadB.toA!.min).toBeLessThanOrEqual(spreadB.toA!.max);
    expect(report.targets.find((t) => t.id === 'b-wall')!.value).toBe(spreadB.toA!.median);
  });

  it('counts the rows each contender wrote: upstream every row with metadata, floor and toolkit only those that change', () => {
    const [a, c, b] = outcome.report.contenders;
    expect(a!.rowsUpdated).toBe(outcome.report.dataset.rowsWithMetadata);
    expect(c!.rowsUpdated).toBeGreaterThan(0);
    expect(c!.rowsUpdated).toBeLessThan(a!.rowsUpdated);
    expect(b!.rowsUpdated).toBe(c!.rowsUpdated);
  });

  it('checks that all contenders produced the same column values', () => {
    const [a, c, b] = outcome.report.contenders;
    expect(a!.columnSums).not.toBeNull();
    expect(BigInt(a!.columnSums!.read)).toBeGreaterThan(0n);
    expect(c!.columnSums).toEqual(a!.columnSums);
    expect(b!.columnSums).toEqual(a!.columnSums);
  });

  it('runs (b) through the CLI as separate processes and reads its batch events', () => {
    const b = outcome.report.contenders.find((c) => c.id === 'b')!;
    expect(b.steps.map((s) => [s.name, s.exitCode])).toEqual([
      ['up', 0],
      ['backfill', 0],
    ]);
    expect(b.peakRssBytes).toBeGreaterThan(0);
    expect(b.batches).toBeGreaterThan(0);
    expect(outcome.batchPoints).toHaveLength(b.batches);
    expect(outcome.report.toolkitBatches).toHaveLength(b.batches);
    expect(b.longestBatchMs).not.toBeNull();
    expect(b.longestTransaction.longestApplication).toMatch(/aibridge-migrate/);
  });

  it('records writer latency while idle and during (a) and (b)', () => {
    const load = outcome.report.load!;
    expect(load.runs.map((r) => [r.id, r.status])).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
    ]);
    for (const run of load.runs) {
      expect(run.idle.count).toBeGreaterThan(0);
      expect(run.idle.errors).toBe(0);
      expect(run.writerErrors).toBe(0);
      expect(run.abandonedStatements).toBe(0);
      expect(run.idle.p99Ms!).toBeGreaterThanOrEqual(run.idle.p50Ms!);
      expect(run.idle.maxMs!).toBeGreaterThanOrEqual(run.idle.p99Ms!);
    }
    expect(load.idleBaseline.count).toBe(load.runs[0]!.idle.count + load.runs[1]!.idle.count);
  });

  it('judges the targets (b) allows, and says why the others cannot be judged', () => {
    const byId = Object.fromEntries(outcome.report.targets.map((t) => [t.id, t]));
    // The default regime's targets.
    expect(Object.keys(byId)).toEqual([
      'b-wall',
      'b-wal',
      'b-longest-transaction',
      'b-hot',
      'b-heap',
      'd-longest-transaction',
      'd-wall',
      'e-wall',
      'writer-p99',
    ]);
    for (const id of ['b-wall', 'b-longest-transaction', 'b-wal', 'b-heap', 'b-hot']) {
      expect(typeof byId[id]!.met).toBe('boolean');
      expect(byId[id]!.factor).toBeGreaterThan(0);
    }
    expect(byId['d-wall']).toMatchObject({ met: null, why: '(d) was not run' });
    expect(byId['d-longest-transaction']).toMatchObject({ met: null, why: '(d) was not run' });
    expect(byId['e-wall']).toMatchObject({ met: null, why: '(e) was not run' });
  });

  it('writes the same report as JSON and a table naming every contender', () => {
    const text = renderText(outcome.report);
    const files = writeReportFiles(outDir, outcome.report, text, renderBatchChart(outcome.batchPoints, { title: 'smoke' }));
    expect(JSON.parse(fs.readFileSync(files.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(outcome.report)));
    expect(fs.readFileSync(files.latestJson, 'utf8')).toBe(fs.readFileSync(files.json, 'utf8'));
    expect(text).toMatch(/^\(a\) upstream/m);
    expect(text).toMatch(/^\(c\) set-based floor/m);
    expect(text).toMatch(/^\(b\) toolkit: up \+ backfill/m);
    expect(text).toMatch(/^during \(a\)/m);
    expect(text).toMatch(/^during \(b\)/m);
    // One row per contender in the main table, and the rounds beside each other below it.
    expect(text.match(/^\(b\) toolkit: up \+ backfill/gm)).toHaveLength(1);
    expect(text).toMatch(/^Rounds: the contenders alone 2 times/m);
    expect(text).toMatch(/^2\s+b c a\s/m);
    // The transaction limit is judged on the worst round, so the text names it.
    expect(text).toMatch(/^ {2}\(b\) longest transaction over the rounds: .* in round [12]\b/m);
    const svg = fs.readFileSync(files.chart!, 'utf8');
    expect(svg.match(/<circle /g)).toHaveLength(outcome.batchPoints.length);
  });

  it('names the server version in the text and JSON result files (runs on 13 to 18 are compared)', async () => {
    const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await client.connect();
    const { rows } = await client.query(`SHOW server_version`).finally(() => client.end());
    const version = `PostgreSQL ${String(rows[0].server_version).split(' ')[0]} `;
    const files = writeReportFiles(outDir, outcome.report, renderText(outcome.report), null);
    expect(fs.readFileSync(files.text, 'utf8').split('\n')[1]).toContain(version);
    expect(JSON.parse(fs.readFileSync(files.json, 'utf8')).server.version).toContain(version);
  });
});
