/**
 * The server regimes the benchmark runs in. A long backfill lives through many checkpoints, and
 * after each one PostgreSQL writes every page's first change in full to WAL: a benchmark with
 * no checkpoint inside a run measures a short run, not the one operators have.
 *
 * - default: no checkpoint inside a run (max_wal_size 16GB, checkpoint_timeout 1h).
 * - checkpoint-dense: a checkpoint every few tens of MB of WAL, about ten in an upstream pass
 *   over 1M rows; max_wal_size grows with the table so the count stays about the same. The
 *   stand-in for hours against 5-minute checkpoints.
 * - throttled: the toolkit rate-limited (--max-rows-per-second), checkpoint_timeout 30s: a
 *   gentle run, each page at risk of a checkpoint between its writes.
 *
 * Settings are changed with ALTER SYSTEM and a reload (all of them take effect without a
 * restart); upstream runs in every regime beside the toolkit.
 */
import { withClient } from './dataset.js';

export const REGIME_IDS = ['default', 'checkpoint-dense', 'throttled'] as const;
export type RegimeId = (typeof REGIME_IDS)[number];

export interface Regime {
  id: RegimeId;
  /** Server settings, applied with ALTER SYSTEM before the regime's contenders. */
  settings: Record<string, string>;
  /** Extra flags for the toolkit's backfill. */
  backfillArgs: string[];
  description: string;
}

/** Rows a second the throttled regime allows the toolkit. */
export const THROTTLED_ROWS_PER_SECOND = 5_000;

export function regime(id: RegimeId, rows: number): Regime {
  if (id === 'checkpoint-dense') {
    const mb = Math.max(64, Math.round((64 * rows) / 1_000_000));
    return {
      id,
      settings: { max_wal_size: `${mb}MB`, min_wal_size: '32MB', checkpoint_timeout: '1h' },
      backfillArgs: [],
      description: `max_wal_size ${mb}MB: a checkpoint every ~${Math.round(mb / 1.9)} MB of WAL`,
    };
  }
  if (id === 'throttled') {
    return {
      id,
      settings: { max_wal_size: '16GB', min_wal_size: '80MB', checkpoint_timeout: '30s' },
      backfillArgs: ['--max-rows-per-second', String(THROTTLED_ROWS_PER_SECOND)],
      description: `checkpoint_timeout 30s; the toolkit at --max-rows-per-second ${THROTTLED_ROWS_PER_SECOND}`,
    };
  }
  return {
    id,
    settings: { max_wal_size: '16GB', min_wal_size: '80MB', checkpoint_timeout: '1h' },
    backfillArgs: [],
    description: 'no checkpoint inside a run (max_wal_size 16GB, checkpoint_timeout 1h)',
  };
}

export async function applyRegime(adminUrl: string, r: Regime): Promise<void> {
  await withClient(adminUrl, async (c) => {
    // Values are sizes and durations from the table above, never user input.
    for (const [name, value] of Object.entries(r.settings)) await c.query(`ALTER SYSTEM SET ${name} = '${value}'`);
    await c.query('SELECT pg_reload_conf()');
    await c.query('CHECKPOINT');
  });
}
