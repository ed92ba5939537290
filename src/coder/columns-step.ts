/**
 * Coder's part of the columns migration, run inside that migration's own transaction (the
 * loader opens it; see src/migrate/loader.ts):
 *
 *   up:   [Coder's lock] → read Coder's version → decide → (ALTER, by the migration) → record
 *         Coder's migration as applied + the toolkit's hand-over record;
 *   down: [Coder's lock] → read → decide → (guard and DROP, by the migration) → give the
 *         version back.
 *
 * The version is read again here, after the lock is granted, even though the command read it
 * before starting: a Coder replica may have migrated in between, and only a read made while
 * holding Coder's lock is still true at COMMIT. Everything then commits together, or nothing.
 */
import type { MigrationSession } from '../migrate/migration.js';
import { TOKEN_USAGES } from '../names.js';
import { refusalError } from './check.js';
import { coderNumbers, type CoderNumbers } from './constants.js';
import { decideDown, decideUp, type DownDecision, type UpDecision } from './decide.js';
import { takeCoderMigrationLock } from './lock.js';
import { recordStatement } from './record.js';
import { setVersionStatements } from './sql.js';
import { coderTableName, isCoderTablePresent, readCoderFacts, type CoderFacts } from './state.js';

export type CoderOutcome =
  | { action: 'standalone' }
  | { action: 'hand_over'; table: string; from: number; to: number }
  | { action: 'coder_owns'; table: string; version: number }
  | { action: 'hand_back'; table: string; from: number; to: number }
  | { action: 'not_coders'; table: string; version: number | null };

/** What the columns migration needs to coexist with Coder (part of MigrationContext). */
export interface CoderSettings {
  /** Coder's migration that adds the columns (--coder-migration; 461 upstream). */
  migration: number;
  /** Told what was done, inside the transaction: it counts only if the migration commits. */
  onOutcome?: (outcome: CoderOutcome) => void;
}

/** Coder's facts, read under Coder's migration lock when Coder's table is there. */
async function lockedFacts(db: MigrationSession, appSchema: string): Promise<CoderFacts> {
  const query = db.query.bind(db);
  // Only the catalog before the lock: Coder's table itself may be held by a migrating Coder.
  if (await isCoderTablePresent(query, appSchema)) await takeCoderMigrationLock(db);
  return readCoderFacts(query, appSchema, { lockHeld: true });
}

/** Facts read under Coder's lock never say "migrating"; if they did, deciding would be unsafe. */
function notUnderLock(): Error {
  return new Error("Coder's version was read without Coder's migration lock inside the columns migration");
}

async function setVersion(db: MigrationSession, schema: string, version: number): Promise<void> {
  for (const statement of setVersionStatements(schema, version)) await db.query(statement.text, statement.values);
}

export interface CoderUpStep {
  decision: Exclude<UpDecision, { action: 'refuse' | 'wait' }>;
  /** After the columns exist: record Coder's migration as applied (hand-over only). */
  finish(): Promise<void>;
}

/** Throws (rolling the migration back) when Coder's state forbids adding the columns now. */
export async function coderColumnsUp(db: MigrationSession, appSchema: string, settings: CoderSettings | undefined): Promise<CoderUpStep> {
  const numbers: CoderNumbers = coderNumbers(settings?.migration);
  const facts = await lockedFacts(db, appSchema);
  const decision = decideUp(facts, numbers);
  if (decision.action === 'refuse') throw refusalError(decision.refusal);
  if (decision.action === 'wait') throw notUnderLock();
  const table = coderTableName(appSchema);
  return {
    decision,
    async finish() {
      if (decision.action === 'hand_over') {
        await setVersion(db, appSchema, decision.to);
        await db.query(recordStatement(appSchema, TOKEN_USAGES, decision.to));
        settings?.onOutcome?.({ action: 'hand_over', table, from: decision.from, to: decision.to });
      } else if (decision.action === 'coder_owns') {
        settings?.onOutcome?.({ action: 'coder_owns', table, version: decision.version });
      } else {
        settings?.onOutcome?.({ action: 'standalone' });
      }
    },
  };
}

export interface CoderDownStep {
  decision: Exclude<DownDecision, { action: 'refuse' | 'wait' }>;
  /** After the columns are gone: give Coder's version back (hand-back only). */
  finish(): Promise<void>;
}

/**
 * Throws DownRefusedError before anything is touched when the columns are Coder's; the data
 * guard (and --force-drop-data) comes after, and cannot change that answer.
 */
export async function coderColumnsDown(db: MigrationSession, appSchema: string, settings: CoderSettings | undefined): Promise<CoderDownStep> {
  const numbers = coderNumbers(settings?.migration);
  const facts = await lockedFacts(db, appSchema);
  const decision = decideDown(facts, numbers);
  if (decision.action === 'refuse') throw refusalError(decision.refusal);
  if (decision.action === 'wait') throw notUnderLock();
  const table = coderTableName(appSchema);
  return {
    decision,
    async finish() {
      if (decision.action === 'hand_back') {
        await setVersion(db, appSchema, decision.to);
        settings?.onOutcome?.({ action: 'hand_back', table, from: decision.from, to: decision.to });
      } else if (decision.action === 'not_coders') {
        settings?.onOutcome?.({ action: 'not_coders', table, version: decision.version });
      } else {
        settings?.onOutcome?.({ action: 'standalone' });
      }
    },
  };
}
