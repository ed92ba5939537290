/**
 * The live progress line on a real terminal: the backfill runs inside tmux (a pseudo-terminal
 * 80 columns wide), and what is left on the screen is read back. A line wider than the
 * terminal wraps, and `\r` + erase-line then clears only its last row: every redraw would
 * leave a row behind. On the screen afterwards there must be one progress row, not a pile.
 * Then the same with the terminal narrowed to 60 columns mid-run, and the same line drawn by
 * verify and `backfill --dry-run`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../harness/cli-process.js';
import type { TestDatabase } from '../harness/database.js';
import { hasTmux, Terminal, type Screens } from '../harness/tmux.js';
import { preparedDatabase } from '../harness/backfill.js';

const terminal = new Terminal();

/** Runs the backfill in a fresh tmux window `columns` wide; `during` acts once progress shows. */
function backfillOnScreen(url: string, columns: number, during?: () => void): Promise<Screens> {
  const command = terminal.cliCommand({ DATABASE_URL: url }, 'backfill --batch-size 150 --pause-ms 40 >/dev/null');
  return terminal.run(command, columns, { ready: (rows) => progressRows(rows).length > 0, ...(during ? { during } : {}) });
}

const progressRows = (rows: string[]) => rows.filter((r) => /^(\[[#.]+\] )?\d+% [\d,]+\/~[\d,]+ rows/.test(r));

describe.skipIf(!hasTmux)('the live progress line under a real terminal', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await preparedDatabase(20_000, 29);
  });
  afterAll(async () => {
    terminal.close();
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
    const { samples, final } = await backfillOnScreen(db.url, 100, () => terminal.tmux('resize-window', '-t', 'run', '-x', '60'));
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

describe.skipIf(!hasTmux)('verify and the dry run: the same live line, on stderr, while the report waits for stdout', () => {
  let db: TestDatabase;
  // Each chunk statement held 150 ms (a test-only preload): a small table read for seconds.
  const slow = { AIBRIDGE_TEST_SLOW_CHUNK_MS: '150' };
  const hook = [pathToFileURL(path.join(ROOT, 'test/harness/slow-chunks-hook.ts')).href];
  const verifyRows = (rows: string[]) => rows.filter((r) => /^(\[[#.]+\] )?\d+% [\d,]+\/~[\d,]+ rows · [\d,?]+ rows\/s · ETA/.test(r));
  beforeAll(async () => {
    db = await preparedDatabase(20_000, 31);
  });
  afterAll(async () => {
    terminal.close();
    await db.drop();
  });

  it.each([
    ['verify', 'verify --workers 1 >/dev/null', 'EXIT=1'],
    ['backfill --dry-run', 'backfill --dry-run --workers 1 >/dev/null', 'EXIT=0'],
  ])('%s: redrawn in place for the seconds it reads, then a line saying what it read', async (_name, args, exit) => {
    const { samples, final } = await terminal.run(terminal.cliCommand({ DATABASE_URL: db.url, ...slow }, args, hook), 80);
    expect(final.find((r) => r.startsWith('EXIT='))).toBe(exit);
    const seen = samples.filter((s) => verifyRows(s.rows).length > 0);
    expect(seen.length, 'progress was drawn').toBeGreaterThan(3);
    for (const { rows } of seen) {
      const progress = verifyRows(rows);
      expect(progress, rows.join('\n')).toHaveLength(1);
      expect(progress[0]!.length).toBeLessThan(80);
    }
    // What stays on the screen: the start, the last state of the live line, what was read
    // (then verify's own last word on the outcome); the later passes leave nothing behind.
    const left = final.filter((r) => r.trim() !== '' && !r.startsWith('EXIT='));
    expect(verifyRows(final), final.join('\n')).toHaveLength(1);
    expect(left[0]).toMatch(/^(verify|backfill --dry-run): ~[\d,]+ rows, one snapshot, 1 session, chunks of 200ms$/);
    expect(left[1]).toMatch(/^(\[#+\] )?100% 20,000\/~20,000 rows · /);
    expect(left[2]).toMatch(/: read 20,000 rows in [\d,]+ chunks, /);
  });
});
