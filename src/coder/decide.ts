/**
 * What the toolkit does about Coder, decided from plain facts (state.ts reads them): for `up`
 * of the columns migration, for its `down`, and the one-line account `status` gives. No I/O.
 *
 * The rule behind every case: the next Coder upgrade must be able to start. Coder's migration N
 * (461 upstream) adds the columns without IF NOT EXISTS, so the columns may exist before Coder
 * reaches N only if N is recorded as applied at the same moment; and once Coder has recorded N
 * (or passed it), the columns are Coder's, and only Coder's own migrations change them.
 */
import { TOKEN_USAGES } from '../names.js';
import type { CoderNumbers } from './constants.js';
import { coderTableName, type CoderFacts } from './state.js';

export type RefusalReason =
  | 'unreadable'
  | 'isolation'
  | 'no_version'
  | 'many_rows'
  | 'dirty'
  | 'too_early'
  | 'cannot_write'
  | 'columns_missing'
  | 'coder_past'
  | 'coder_owns'
  | 'record_mismatch';

export interface Refusal {
  reason: RefusalReason;
  /** preflight → exit 5, permission → exit 3, down_refused → exit 6. */
  kind: 'preflight' | 'permission' | 'down_refused';
  problem: string;
  fix: string;
}

export type UpDecision =
  /** No Coder table: today's behaviour. */
  | { action: 'standalone' }
  /** Coder just before the change: add the columns and record `to` as applied, in one transaction. */
  | { action: 'hand_over'; from: number; to: number }
  /** Coder has applied its migration (or later ones): check the columns, record nothing. */
  | { action: 'coder_owns'; version: number }
  /** A Coder server is migrating right now: wait for its lock, then decide from what it committed. */
  | { action: 'wait'; holders: string[] }
  | { action: 'refuse'; refusal: Refusal };

export type DownDecision =
  | { action: 'standalone' }
  /** The toolkit handed `from` over and Coder is still there: drop the columns, set Coder to `to`. */
  | { action: 'hand_back'; from: number; to: number }
  /** Coder has not reached its migration: the columns are not Coder's; Coder's table is left alone. */
  | { action: 'not_coders'; version: number | null }
  /** A Coder server is migrating right now: wait for its lock, then decide from what it committed. */
  | { action: 'wait'; holders: string[] }
  | { action: 'refuse'; refusal: Refusal };

function refuse(reason: RefusalReason, kind: Refusal['kind'], problem: string, fix: string): { action: 'refuse'; refusal: Refusal } {
  return { action: 'refuse', refusal: { reason, kind, problem, fix } };
}

const FORCE_NOTE = '--force-drop-data does not override this: it accepts losing values, not taking columns away from Coder.';

type Present = Extract<CoderFacts['table'], { kind: 'present' }>;

/**
 * What both directions decide before looking at the version: standalone, wait for a migrating
 * Coder, or refuse a table that cannot be read or trusted. Undefined: the version decides.
 */
function beforeVersion(
  facts: CoderFacts,
): { action: 'standalone' } | { action: 'wait'; holders: string[] } | { action: 'refuse'; refusal: Refusal } | Present {
  const t = facts.table;
  switch (t.kind) {
    case 'absent':
    case 'other-shape':
      return { action: 'standalone' };
    case 'migrating':
      return { action: 'wait', holders: t.holders };
    case 'unreadable':
      return { action: 'refuse', refusal: unusable(facts, t)! };
    case 'present': {
      const problem = unusable(facts, t);
      return problem ? { action: 'refuse', refusal: problem } : t;
    }
  }
}

/** Refusals that both directions share: a table that cannot be trusted or read. */
function unusable(facts: CoderFacts, t: Present | { kind: 'unreadable' }): Refusal | undefined {
  const table = coderTableName(facts.schema);
  if (t.kind === 'unreadable') {
    return {
      reason: 'unreadable',
      kind: 'permission',
      problem: `This role may not read Coder's migration table ${table}, so aibridge-migrate cannot tell which Coder migration the database is at.`,
      fix: `GRANT SELECT, INSERT, TRUNCATE ON ${table} to the role aibridge-migrate runs as (or run as the role Coder's own migrations use).`,
    };
  }
  if (!facts.readCommitted) {
    return {
      reason: 'isolation',
      kind: 'preflight',
      problem: `The session's transactions are not READ COMMITTED (default_transaction_isolation), so Coder's version read after taking Coder's migration lock could be stale.`,
      fix: `Run with PGOPTIONS='-c default_transaction_isolation=read\\ committed', or reset default_transaction_isolation for this role.`,
    };
  }
  if (t.rows > 1) {
    return {
      reason: 'many_rows',
      kind: 'preflight',
      problem: `Coder's migration table ${table} holds ${t.rows} rows; Coder keeps exactly one (the last applied version), so this one was edited by hand.`,
      fix: `Repair it the way Coder expects (one row: the version Coder's schema is really at, dirty = false), then run the command again.`,
    };
  }
  if (t.dirty) {
    return {
      reason: 'dirty',
      kind: 'preflight',
      problem: `Coder's migration ${t.version} is marked dirty in ${table}: a Coder migration stopped halfway, and Coder itself refuses to start until someone repairs it.`,
      fix: `Coder's own repair comes first: bring the schema to what migration ${t.version} intends, set dirty = false, and let Coder start; then run aibridge-migrate again. Nothing was changed.`,
    };
  }
  return undefined;
}

export function decideUp(facts: CoderFacts, numbers: CoderNumbers): UpDecision {
  const t = beforeVersion(facts);
  if ('action' in t) return t;
  const table = coderTableName(facts.schema);
  const upgradeFirst = `Upgrade Coder to the release whose newest migration is ${numbers.before} (the release just before the cache token columns) and let it start once; then run aibridge-migrate up again: it adds the columns and records Coder's migration ${numbers.migration} as applied, so the upgrade after that skips it.`;
  if (t.version === null) {
    return refuse(
      'no_version',
      'preflight',
      `Coder's migration table ${table} is empty: Coder has not migrated this database yet, so adding the columns now would make Coder's migration ${numbers.migration} fail when it runs (SQLSTATE 42701, column already exists).`,
      upgradeFirst,
    );
  }
  if (t.version < numbers.before) {
    return refuse(
      'too_early',
      'preflight',
      `Coder is at migration ${t.version}, older than ${numbers.before} (the last one before the cache token columns). Adding the columns now would make the next Coder upgrade fail: its migration ${numbers.migration} adds the same columns without IF NOT EXISTS (SQLSTATE 42701, column already exists), and the Coder server would not start.`,
      upgradeFirst,
    );
  }
  if (t.version === numbers.before) {
    if (!t.canWrite) {
      return refuse(
        'cannot_write',
        'permission',
        `Coder is at migration ${t.version}, so up must record Coder's migration ${numbers.migration} as applied in ${table} together with the columns, but this role may not TRUNCATE and INSERT there.`,
        `Run as the role Coder's own migrations use (it owns ${table}), or GRANT INSERT, TRUNCATE ON ${table} to this role.`,
      );
    }
    return { action: 'hand_over', from: numbers.before, to: numbers.migration };
  }
  if (!facts.columnsPresent) {
    return refuse(
      'columns_missing',
      'preflight',
      `Coder records migration ${t.version} in ${table}, so its migration ${numbers.migration} (the cache token columns) counts as applied, yet the columns are missing from ${facts.schema}.${TOKEN_USAGES}.`,
      `Check --schema and --coder-migration first. Otherwise Coder's schema is not what Coder records, and repairing it is Coder's business: aibridge-migrate does not add columns Coder believes it already has.`,
    );
  }
  return { action: 'coder_owns', version: t.version };
}

export function decideDown(facts: CoderFacts, numbers: CoderNumbers): DownDecision {
  const t = beforeVersion(facts);
  if ('action' in t) return t;
  const table = coderTableName(facts.schema);
  if (facts.handedOver !== null && facts.handedOver !== numbers.migration) {
    return refuse(
      'record_mismatch',
      'preflight',
      `The columns record that aibridge-migrate handed over Coder migration ${facts.handedOver}, but --coder-migration is ${numbers.migration}.`,
      `Pass --coder-migration ${facts.handedOver} (the number used when the columns were added).`,
    );
  }
  if (t.version === null || t.version < numbers.migration) return { action: 'not_coders', version: t.version };
  if (t.version > numbers.migration) {
    return refuse(
      'coder_past',
      'down_refused',
      `down refused: Coder is at migration ${t.version}, past its migration ${numbers.migration} that adds the cache token columns, and a later Coder migration may depend on them (an index, a view, a query). Dropping them could stop Coder from starting, so nothing was changed.`,
      `The columns now belong to Coder; only a Coder downgrade (its own down migrations) removes them. ${FORCE_NOTE}`,
    );
  }
  if (facts.handedOver !== numbers.migration) {
    return refuse(
      'coder_owns',
      'down_refused',
      `down refused: Coder applied its migration ${numbers.migration} itself (${table} says ${t.version}, and aibridge-migrate did not hand it over), so the cache token columns are Coder's. Nothing was changed.`,
      `Only Coder's own down migration ${numbers.migration} removes them. ${FORCE_NOTE}`,
    );
  }
  if (!t.canWrite) {
    return refuse(
      'cannot_write',
      'permission',
      `aibridge-migrate handed Coder's migration ${numbers.migration} over, so down must set ${table} back to ${numbers.before} together with dropping the columns, but this role may not TRUNCATE and INSERT there.`,
      `Run as the role Coder's own migrations use (it owns ${table}), or GRANT INSERT, TRUNCATE ON ${table} to this role.`,
    );
  }
  return { action: 'hand_back', from: numbers.migration, to: numbers.before };
}

export interface CoderSummary {
  /** One line: where Coder is and what the toolkit does about it. */
  summary: string;
  /** Dangers an operator must act on. */
  warnings: string[];
}

/**
 * The account `status` and `up --dry-run` give. `columnsApplied`: the toolkit's own bookkeeping
 * records the columns migration (what `down` would revert next is decided elsewhere).
 */
export function describeCoder(facts: CoderFacts, numbers: CoderNumbers, columnsApplied: boolean): CoderSummary {
  const t = facts.table;
  const table = coderTableName(facts.schema);
  if (t.kind === 'absent')
    return { summary: `Coder not detected (no ${table}): standalone mode, up adds the columns itself`, warnings: [] };
  if (t.kind === 'other-shape') {
    return {
      summary: `${table} exists but is not Coder's (its columns: ${t.columns || 'none'}): standalone mode, up adds the columns itself`,
      warnings: [],
    };
  }
  if (t.kind === 'migrating') {
    return {
      summary: `a Coder server is applying its migrations right now (${t.holders.join('; ') || "it holds Coder's migration lock"}): its version is read once it commits; up and down wait for Coder's migration lock, then decide`,
      warnings: [],
    };
  }
  const problem = unusable(facts, t);
  if (problem)
    return {
      summary: `${t.kind === 'present' ? `Coder at migration ${t.version ?? 'none'}${t.dirty ? ' (dirty)' : ''}: ` : ''}up and down refuse: ${problem.problem}`,
      warnings: [],
    };
  if (t.kind !== 'present') return { summary: '', warnings: [] };
  const at = `Coder at migration ${t.version ?? 'none'} (clean)`;
  const up = decideUp(facts, numbers);
  if (!columnsApplied) {
    if (up.action === 'hand_over') {
      return {
        summary: `${at}: up adds the columns and records Coder's migration ${up.to} as applied in ${table} in the same transaction; the next Coder upgrade skips ${up.to}`,
        warnings: [],
      };
    }
    if (up.action === 'coder_owns') {
      return {
        summary: `${at}: Coder has applied its migration ${numbers.migration}, the columns are Coder's; up checks their definition and records nothing in ${table}`,
        warnings: [],
      };
    }
    if (up.action === 'refuse') return { summary: `${at}: up refuses: ${up.refusal.problem}`, warnings: [] };
    return { summary: at, warnings: [] };
  }
  const down = decideDown(facts, numbers);
  if (down.action === 'hand_back') {
    return {
      summary: `${at}: aibridge-migrate handed Coder's migration ${numbers.migration} over (recorded as applied); the next Coder upgrade skips it; down of the columns hands it back (Coder back to ${numbers.before})`,
      warnings: [],
    };
  }
  if (down.action === 'refuse' && down.refusal.reason === 'coder_owns') {
    return {
      summary: `${at}: Coder applied its migration ${numbers.migration} itself, the columns are Coder's; backfill and verify audit them; down of the columns is refused`,
      warnings: [],
    };
  }
  if (down.action === 'refuse' && down.refusal.reason === 'coder_past') {
    return {
      summary: `${at}: past its migration ${numbers.migration}, the columns are Coder's; down of the columns is refused`,
      warnings: [],
    };
  }
  if (down.action === 'not_coders' && facts.columnsPresent) {
    return {
      summary: `${at}: Coder has not recorded its migration ${numbers.migration}, yet the cache token columns exist`,
      warnings: [
        `the next Coder upgrade will fail with SQLSTATE 42701 (column already exists) at its migration ${numbers.migration}: the columns were added without recording ${numbers.migration} in ${table}. Before upgrading Coder: run aibridge-migrate backfill --reverse, then aibridge-migrate down until the columns are reverted, then (with Coder at ${numbers.before}) aibridge-migrate up, which adds them again and records ${numbers.migration}; then backfill and verify.`,
      ],
    };
  }
  return { summary: at, warnings: [] };
}
