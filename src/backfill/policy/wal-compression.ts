/**
 * Whether the backfill's transactions compress the page images they write to WAL
 * (`--wal-compression`). Pure; the run reads the facts (run/server-facts.ts) and tries the
 * setting once before it trusts it.
 *
 * Why: after every checkpoint PostgreSQL logs the first change to a page as the whole page. A
 * backfill that lives through many checkpoints writes most of its WAL as such images — above all
 * of index pages, written again in each checkpoint interval by the updates that leave their heap
 * page — and `wal_compression` shrinks each image before it is written, in the backend that logs
 * it, so a transaction can set it for itself (SET LOCAL). It is a superuser setting: a role
 * needs superuser or, from PostgreSQL 15, `GRANT SET ON PARAMETER wal_compression`.
 */

/** auto: lz4 where the server has it, does not compress already, and the role may; off: leave the server's setting; a method: that one. */
export type WalCompressionMode = 'auto' | 'off' | 'pglz' | 'lz4' | 'zstd';

export const WAL_COMPRESSION_MODES = ['auto', 'off', 'pglz', 'lz4', 'zstd'] as const satisfies readonly WalCompressionMode[];

export interface WalCompressionFacts {
  /** current_setting('wal_compression'): off, on, pglz, lz4, zstd. */
  current: string;
  /** The values this server accepts (pg_settings.enumvals); empty before PostgreSQL 15, where it is a boolean and `on` means pglz. */
  methods: readonly string[];
}

/** What to ask for: the value the run's transactions set, or why they set none. */
export type WalCompressionPlan = { set: string } | { set: null; why: string };

/**
 * The value the backfill's transactions set, before the role's right to set it is tried. An
 * explicit method the server cannot use is a plan with a reason, and the caller refuses it.
 */
export function planWalCompression(mode: WalCompressionMode, facts: WalCompressionFacts): WalCompressionPlan {
  if (mode === 'off') return { set: null, why: `--wal-compression off: the server's setting (${facts.current}) applies` };
  const boolean = facts.methods.length === 0;
  if (mode === 'auto') {
    if (facts.current !== 'off') return { set: null, why: `the server compresses WAL already (wal_compression = ${facts.current})` };
    if (facts.methods.includes('lz4')) return { set: 'lz4' };
    // pglz, the one method of every build, took a checkpoint-dense 1M backfill from 0.7× to
    // 1.9× of upstream's time on the benchmark machine for 30% less WAL (docs/benchmarks.md):
    // it is for an operator who asks for it, never a default.
    return {
      set: null,
      why: `this server has no lz4 WAL compression, and pglz costs more time than it saves (--wal-compression pglz asks for it)`,
    };
  }
  // Before 15 the only method is pglz, spelt `on`.
  if (boolean)
    return mode === 'pglz'
      ? { set: 'on' }
      : { set: null, why: `this server has no ${mode} WAL compression (before PostgreSQL 15 only pglz)` };
  if (!facts.methods.includes(mode)) {
    return { set: null, why: `this server was built without ${mode} (wal_compression accepts ${facts.methods.join(', ')})` };
  }
  return { set: mode };
}
