/**
 * The live progress line on a real terminal: the backfill runs inside tmux (a pseudo-terminal
 * 80 columns wide), and what is left on the screen is read back. A line wider than the
 * terminal wraps, and `\r` + erase-line then clears only its last row: every redraw would
 * leave a row behind. On the screen afterwards there must be one progress row, not a pile.
 * Then the same with the terminal narrowed to 60 columns mid-run.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../harness/cli-process.js';
import type { TestDatabase } from '../harness/database.js';
import { preparedDatabase } from './backfill-helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `aibm-${randomBytes(4).toString('hex')}`;

function tmux(...args: string[]): string {
  const run = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Screens {
  /** The screen as sampled every 100 ms while the backfill ran; `sinceAction`: ms after `during` ran. */
  samples: { rows: string[]; sinceAction: number | null }[];
  final: string[];
}

/** Runs the backfill in a fresh tmux window `columns` wide; `during` acts once progress shows. */
async function backfillOnScreen(url: string, columns: number, during?: () => void): Promise<Screens> {
  const command = [
    'env -u CI -u NO_COLOR -u FORCE_COLOR',
    `DATABASE_URL=${quote(url)}`,
    quote(process.execPath),
    '--import',
    quote(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')),
    quote(path.join(ROOT, 'src/cli/main.ts')),
    'backfill --batch-size 150 --pause-ms 40 >/dev/null; echo EXIT=$?; sleep 600',
  ].join(' ');
  tmux('new-session', '-d', '-x', String(columns), '-y', '40', '-s', 'run', command);
  try {
    const screen = () => tmux('capture-pane', '-p', '-t', 'run').split('\n');
    const deadline = Date.now() + 90_000;
    const samples: Screens['samples'] = [];
    let actedAt: number | null = null;
    for (;;) {
      const rows = screen();
      if (rows.some((r) => r.startsWith('EXIT='))) return { samples, final: rows };
      samples.push({ rows, sinceAction: actedAt === null ? null : Date.now() - actedAt });
      if (actedAt === null && during && progressRows(rows).length > 0) {
        actedAt = Date.now();
        during();
      }
      if (Date.now() > deadline) throw new Error(`the backfill did not finish:\n${rows.join('\n')}`);
      await sleep(100);
    }
  } finally {
    tmux('kill-session', '-t', 'run');
  }
}

const progressRows = (rows: string[]) => rows.filter((r) => /^(\[[#.]+\] )?\d+% [\d,]+\/~[\d,]+ rows/.test(r));

describe.skipIf(!hasTmux)('the live progress line under a real terminal', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await preparedDatabase(20_000, 29);
  });
  afterAll(async () => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    await db.drop();
  });

  it('80 columns: redrawn in place, never more than one progress row on the screen', async () => {
    const { samples, final } = await backfillOnScreen(db.url, 80);
    expect(final.find((r) => r.startsWith('EXIT='))).toBe('EXIT=0');
    const seen = samples.filter((s) => progressRows(s.rows).length > 0);
    expect(seen.length, 'progress was drawn').toBeGreaterThan(3);
    for (const { rows } of seen) {
      const progress = progressRows(rows);
      expect(progress, rows.join('\n')).toHaveLength(1);
      expect(progress[0]!.length).toBeLessThan(80);
      expect(progress[0]).toMatch(/rows\/s · ETA/);
    }
  });

  it('narrowed to 60 columns mid-run: the redraws follow the new width and stop piling up', async () => {
    await db.query('UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 0');
    await db.query('DELETE FROM aibridge_migrate.backfill_ranges; DELETE FROM aibridge_migrate.backfill_runs');
    const { samples, final } = await backfillOnScreen(db.url, 100, () => tmux('resize-window', '-t', 'run', '-x', '60'));
    expect(final.find((r) => r.startsWith('EXIT='))).toBe('EXIT=0');
    // A line drawn around the resize may stay behind (erase-line cannot reach a rewrapped row,
    // and a redraw can race the SIGWINCH), but once settled the redraws fit the new width and
    // leave nothing behind: dozens of redraws later, still at most that row and the live one.
    const settled = samples.filter((s) => s.sinceAction !== null && s.sinceAction > 1_000);
    expect(settled.length, 'samples after the resize settled').toBeGreaterThan(10);
    for (const { rows } of settled) expect(progressRows(rows).length, rows.join('\n')).toBeLessThanOrEqual(3);
    const redrawn = settled.map((s) => progressRows(s.rows).at(-1)).filter((r): r is string => r !== undefined && r.length < 60);
    expect(redrawn.length, 'a redraw at the new width').toBeGreaterThan(0);
  });
});
