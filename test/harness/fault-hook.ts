/**
 * A test-only preload for the CLI child process (`node --import tsx --import <this file> …`),
 * so a fault test can stop the runner at an exact point of a batch and SIGKILL it there. It
 * lives in test/ and is loaded only by tests: the shipped CLI has no such hook, so it
 * carries no production risk.
 *
 * It wraps pg.Client.prototype.query. Configured by environment variables:
 *
 *   AIBRIDGE_FAULT_PAUSE=<point>:<nth>[:<ms>]
 *       Before (or, for after-commit, after) the nth statement of kind <point>, write
 *       `@@fault-paused <point> <nth>` to stderr and wait <ms> (default: 10 minutes, i.e. until
 *       killed). A `sweep-` prefix counts only statements after the first convergence count.
 *       Points: begin, update (the batch statement), ledger (the checkpoint write inside the
 *       batch transaction), commit, after-commit (the COMMIT has been acknowledged), eligible
 *       (the convergence count).
 *   AIBRIDGE_FAULT_SLOW_COMMIT_MS=<ms>
 *       Sleep this long before every COMMIT (keeps a run busy long enough to overlap another).
 *   AIBRIDGE_FAULT_HOLD_FILE=<path>, AIBRIDGE_FAULT_HOLD_AFTER=<n> (default 1)
 *       Once the process has sent n batch UPDATEs, every later BEGIN waits while <path> exists
 *       (outside any transaction, so no row is locked and no timeout runs; a lane keeps its
 *       range claim). A test holds a run at a point it knows — until another process has
 *       joined it, or status has looked at it — whatever the machine's load.
 *
 * Pipes to a parent are written synchronously on Linux, so the marker is out before the wait.
 */
import fs from 'node:fs';
import pg from 'pg';

type Point = 'begin' | 'update' | 'ledger' | 'commit' | 'after-commit' | 'eligible';

function classify(text: string): Point[] {
  const t = text.trim();
  if (t === 'BEGIN') return ['begin'];
  if (t === 'COMMIT') return ['commit', 'after-commit'];
  if (/\bAS eligible\b/.test(t)) return ['eligible'];
  if (/\bUPDATE\b/.test(t) && /"aibridge_token_usages"/.test(t) && /cache_read_input_tokens"?\s*=/.test(t)) return ['update'];
  // The range's update, alone or with the run's in one statement (ledger/checkpoint.ts).
  if (/^(WITH range_row AS \()?UPDATE\b/.test(t) && /"backfill_ranges"/.test(t)) return ['ledger'];
  return [];
}

const pauseSpec = process.env.AIBRIDGE_FAULT_PAUSE;
const slowCommitMs = Number(process.env.AIBRIDGE_FAULT_SLOW_COMMIT_MS ?? 0);
const holdFile = process.env.AIBRIDGE_FAULT_HOLD_FILE;
const holdAfter = Number(process.env.AIBRIDGE_FAULT_HOLD_AFTER ?? 1);

if (pauseSpec || slowCommitMs > 0 || holdFile) {
  let target: { point: Point; sweepOnly: boolean; nth: number; ms: number } | null = null;
  if (pauseSpec) {
    const [rawPoint, nth, ms] = pauseSpec.split(':');
    const sweepOnly = rawPoint!.startsWith('sweep-');
    target = { point: rawPoint!.replace(/^sweep-/, '') as Point, sweepOnly, nth: Number(nth), ms: ms === undefined ? 600_000 : Number(ms) };
  }
  let sawEligible = false;
  let updates = 0;
  const counts = new Map<Point, number>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const matches = (point: Point): boolean => {
    if (!target || target.point !== point || (target.sweepOnly && !sawEligible)) return false;
    const n = (counts.get(point) ?? 0) + 1;
    counts.set(point, n);
    return n === target.nth;
  };
  const pause = async (point: Point) => {
    process.stderr.write(`@@fault-paused ${point} ${target!.nth}\n`);
    await sleep(target!.ms);
  };

  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as { query: unknown }).query = function patched(this: pg.Client, ...args: unknown[]) {
    const [config, values, callback] = args;
    const text = typeof config === 'string' ? config : (config as { text?: string } | null)?.text;
    if (typeof text !== 'string' || typeof values === 'function' || typeof callback === 'function') return original.apply(this, args);
    const points = classify(text);
    if (points.length === 0) return original.apply(this, args);
    return (async () => {
      if (points.includes('eligible')) sawEligible = true;
      if (points.includes('begin') && holdFile && updates >= holdAfter) while (fs.existsSync(holdFile)) await sleep(20);
      if (points.includes('update')) updates++;
      if (points.includes('commit') && slowCommitMs > 0) await sleep(slowCommitMs);
      for (const point of points) if (point !== 'after-commit' && matches(point)) await pause(point);
      const result = await original.apply(this, args);
      if (points.includes('after-commit') && matches('after-commit')) await pause('after-commit');
      return result;
    })();
  };
}
