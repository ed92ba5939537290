/**
 * A test-only preload for the CLI child process: sleeps AIBRIDGE_TEST_SLOW_CHUNK_MS before
 * every census statement of verify and `backfill --dry-run` (src/scan/census.ts), so a small
 * table takes long enough to watch its progress. Loaded only by tests; the shipped CLI has no
 * such hook.
 */
import pg from 'pg';

const ms = Number(process.env.AIBRIDGE_TEST_SLOW_CHUNK_MS ?? 0);
if (ms > 0) {
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as { query: unknown }).query = function slowed(this: pg.Client, ...args: unknown[]) {
    const [config] = args;
    const text = typeof config === 'string' ? config : (config as { text?: string } | null)?.text;
    if (typeof text !== 'string' || !text.startsWith('SELECT r.found AS has_interception')) return original.apply(this, args);
    return new Promise((resolve) => setTimeout(resolve, ms)).then(() => original.apply(this, args));
  };
}
