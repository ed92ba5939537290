/**
 * The benchmark's whole pipeline on a tiny table, so CI exercises its code path (clones,
 * contenders, metrics, writer process, report files) without a long run. Asserts structure
 * and the facts a reader of the table relies on — never timings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sourceCli } from '../../bench/cli.js';
import { runBench, type BenchOutcome } from '../../bench/pipeline.js';
import { writeReportFiles } from '../../bench/report/files.js';
import { renderText } from '../../bench/report/text.js';

const ROWS = 2000;
let outcome: BenchOutcome;
let outDir: string;

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  outcome = await runBench(
    {
      rows: ROWS,
      seed: 7,
      major: 15,
      contenders: ['a', 'c'],
      load: true,
      writerRate: 50,
      idleSeconds: 1,
      outDir,
      build: false,
      serverUrl: inject('pgAdminUrl'),
    },
    { log: () => {}, cli: sourceCli(), databasePrefix: `aibridge_migrate_t_${inject('pgRunId')}_bench` },
  );
});

afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

describe('bench pipeline on 2,000 rows, contenders (a) and (c)', () => {
  it('measures each selected contender on identical data', () => {
    const { report } = outcome;
    expect(report.dataset.rows).toBe(ROWS);
    expect(report.contenders.map((c) => [c.id, c.status, c.error])).toEqual([
      ['a', 'ok', null],
      ['c', 'ok', null],
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
    }
    expect(report.contenders[0]!.ratioToA).toBe(1);
  });

  it('counts the rows each contender wrote: upstream every row with metadata, the floor only those that change', () => {
    const [a, c] = outcome.report.contenders;
    expect(a!.rowsUpdated).toBe(outcome.report.dataset.rowsWithMetadata);
    expect(c!.rowsUpdated).toBeGreaterThan(0);
    expect(c!.rowsUpdated).toBeLessThan(a!.rowsUpdated);
  });

  it('checks that both contenders produced the same column values', () => {
    const [a, c] = outcome.report.contenders;
    expect(a!.columnSums).not.toBeNull();
    expect(BigInt(a!.columnSums!.read)).toBeGreaterThan(0n);
    expect(c!.columnSums).toEqual(a!.columnSums);
  });

  it('records writer latency while idle and during (a)', () => {
    const load = outcome.report.load!;
    expect(load.runs.map((r) => [r.id, r.status])).toEqual([['a', 'ok']]);
    const run = load.runs[0]!;
    expect(run.idle.count).toBeGreaterThan(0);
    expect(run.idle.errors).toBe(0);
    expect(run.abandonedStatements).toBe(0);
    expect(run.idle.p50Ms).not.toBeNull();
    expect(run.idle.p99Ms!).toBeGreaterThanOrEqual(run.idle.p50Ms!);
    expect(run.idle.maxMs!).toBeGreaterThanOrEqual(run.idle.p99Ms!);
  });

  it('reports every target, marking those needing (b) as not measured rather than met', () => {
    const targets = outcome.report.targets;
    expect(targets.map((t) => t.id)).toEqual(['b-wall', 'b-longest-transaction', 'b-wal', 'b-heap', 'd-wall', 'e-wall', 'writer-p99']);
    for (const t of targets) {
      expect(t.met).toBeNull();
      expect(t.why).toMatch(/was not run/);
    }
  });

  it('writes the same report as JSON and a table naming every contender', () => {
    const text = renderText(outcome.report);
    const files = writeReportFiles(outDir, outcome.report, text, null);
    expect(JSON.parse(fs.readFileSync(files.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(outcome.report)));
    expect(fs.readFileSync(files.latestJson, 'utf8')).toBe(fs.readFileSync(files.json, 'utf8'));
    expect(text).toMatch(/^\(a\) upstream/m);
    expect(text).toMatch(/^\(c\) set-based floor/m);
    expect(text).toMatch(/^during \(a\)/m);
    expect(files.chart).toBeNull();
  });
});
