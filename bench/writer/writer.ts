/**
 * Application-like traffic at a fixed rate: alternately an INSERT of a new token-usage row
 * (as the pre-change application writes it, metadata only) and an UPDATE of a random existing
 * row by primary key. Open loop: statement i is due at start + i/rate whether or not earlier
 * ones have finished, and its latency is measured from when it was due — so time spent
 * queued behind a lock or for a free connection counts, as it would for a user's request
 * (no "coordinated omission").
 */
import pg from 'pg';
import { qualify } from '../../src/db/identifier.js';

export const WRITER_APPLICATION_NAME = 'aibridge-bench-writer';

export interface WriterConfig {
  url: string;
  schema: string;
  table: string;
  /** Statements per second. */
  rate: number;
  /** Rows the generator made (UPDATE targets are drawn from them). */
  rows: number;
  seed: number;
  /** Connections: like an application's pool, statements queue when all are busy. */
  poolSize: number;
  /** Hard bound on the run, whatever happens to the stop signal. */
  maxDurationMs: number;
  /** After stopping, how long to wait for statements still in flight. */
  drainTimeoutMs: number;
}

export type StatementKind = 'insert' | 'update';

export interface WriterSample {
  /** Epoch ms (fractional) when the statement was due. */
  dueAt: number;
  latencyMs: number;
  kind: StatementKind;
  ok: boolean;
}

export interface WriterRun {
  startedAt: number;
  samples: WriterSample[];
  /** Statements still running when the drain timeout expired (their latency is unknown). */
  abandoned: number;
  firstError: string | null;
}

export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

function insertMetadata(n: number): string {
  return JSON.stringify({ cache_read_input: 1000 + (n % 5000), cache_creation_input: n % 7 === 0 ? 300 : 0, web_search_requests: 0 });
}

export async function runWriter(config: WriterConfig, stopSignal: Promise<void>, onReady: () => void = () => {}): Promise<WriterRun> {
  const table = qualify(config.schema, config.table);
  const insertSql = `INSERT INTO ${table} (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
                     VALUES (gen_random_uuid(), gen_random_uuid(), $1, $2, $3, $4::jsonb, now())`;
  // The generator's ids are md5(seed:t:n)::uuid, so a random existing row is one md5 away.
  const updateSql = `UPDATE ${table} SET output_tokens = output_tokens + 1 WHERE id = md5($1::text || ':t:' || $2::text)::uuid`;

  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize, application_name: WRITER_APPLICATION_NAME });
  pool.on('error', () => {});
  // Open every connection before the clock starts: connection set-up is not statement latency.
  const warm = await Promise.all(Array.from({ length: config.poolSize }, () => pool.connect()));
  for (const client of warm) client.release();

  let stopped = false;
  void stopSignal.then(() => {
    stopped = true;
  });
  const samples: WriterSample[] = [];
  const inFlight = new Set<Promise<void>>();
  let firstError: string | null = null;
  let random = (config.seed * 2654435761 + 1) | 0 || 1;
  const nextRandom = () => {
    // xorshift32: reproducible choice of rows without a dependency.
    random ^= random << 13;
    random ^= random >>> 17;
    random ^= random << 5;
    return (random >>> 0) / 4294967296;
  };

  onReady();
  const startedAt = epochMs();
  const intervalMs = 1000 / config.rate;
  for (let i = 0; !stopped && epochMs() - startedAt < config.maxDurationMs; i++) {
    const dueAt = startedAt + i * intervalMs;
    const wait = dueAt - epochMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (stopped) break;
    const kind: StatementKind = i % 2 === 0 ? 'insert' : 'update';
    const query =
      kind === 'insert'
        ? pool.query(insertSql, [`bench-writer-${i}`, 1000 + i, 100 + (i % 900), insertMetadata(i)])
        : pool.query(updateSql, [config.seed, 1 + Math.floor(nextRandom() * config.rows)]);
    const tracked: Promise<void> = query
      .then(
        () => {
          samples.push({ dueAt, latencyMs: epochMs() - dueAt, kind, ok: true });
        },
        (error: unknown) => {
          firstError ??= error instanceof Error ? error.message : String(error);
          samples.push({ dueAt, latencyMs: epochMs() - dueAt, kind, ok: false });
        },
      )
      .finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }

  const drained = await Promise.race([
    Promise.allSettled([...inFlight]).then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), config.drainTimeoutMs)),
  ]);
  const abandoned = drained ? 0 : inFlight.size;
  // pg.Pool.end waits for checked-out clients, which an abandoned statement still holds.
  await Promise.race([pool.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2000))]);
  samples.sort((x, y) => x.dueAt - y.dueAt);
  return { startedAt, samples, abandoned, firstError };
}
