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
import type { Queryable } from '../db/port.js';
import { TOKEN_USAGES } from '../names.js';
import { refusalError } from './check.js';
import { coderNumbers, type CoderNumbers } from './constants.js';
import { decideDown, decideUp, type DownDecision, type UpDecision } from './decide.js';
import { takeCoderMigrationLock } from './lock.js';
import { recordStatement } from './record.js';
import { setVersionStatements } from './sql.js';
import { coderTableName, isCoderTablePresent, readCoderFacts, type CoderFacts } from './state.js';

type Settled<D> = Exclude<D, { action: 'refuse' | 'wait' }>;

/** What the columns migration did about Coder: its decision, and which table it concerned. */
export type CoderOutcome = (Settled<UpDecision> | Settled<DownDecision>) & { table: string };

/** What the columns migration needs to coexist with Coder (part of MigrationContext). */
export interface CoderSettings {
  /** Coder's migration that adds the columns (--coder-migration; 461 upstream). */
  migration: number;
  /** Told what was done, inside the transaction: it counts only if the migration commits. */
  onOutcome?: (outcome: CoderOutcome) => void;
}

/** Coder's facts, read under Coder's migration lock when Coder's table is there. */
async function lockedFacts(db: Queryable, appSchema: string): Promise<CoderFacts> {
  // Only the catalog before the lock: Coder's table itself may be held by a migrating Coder.
  if (await isCoderTablePresent(db, appSchema)) await takeCoderMigrationLock(db);
  return readCoderFacts(db, appSchema, { lockHeld: true });
}

/** Facts read under Coder's lock never say "migrating"; if they did, deciding would be unsafe. */
function notUnderLock(): Error {
  return new Error("Coder's version was read without Coder's migration lock inside the columns migration");
}

async function setVersion(db: Queryable, schema: string, version: number): Promise<void> {
  for (const statement of setVersionStatements(schema, version)) await db.query(statement.text, statement.values);
}

export interface CoderStep<D> {
  decision: Settled<D>;
  /**
   * After the columns were added (up) or dropped (down): hand-over → record Coder's migration
   * as applied and the toolkit's record; hand-back → give Coder's version back.
   */
  finish(): Promise<void>;
}

async function coderStep(
  db: Queryable,
  appSchema: string,
  settings: CoderSettings | undefined,
  decide: (facts: CoderFacts, numbers: CoderNumbers) => UpDecision | DownDecision,
): Promise<CoderStep<UpDecision | DownDecision>> {
  const facts = await lockedFacts(db, appSchema);
  const decision = decide(facts, coderNumbers(settings?.migration));
  if (decision.action === 'refuse') throw refusalError(decision.refusal);
  if (decision.action === 'wait') throw notUnderLock();
  return {
    decision,
    async finish() {
      if (decision.action === 'hand_over' || decision.action === 'hand_back') await setVersion(db, appSchema, decision.to);
      if (decision.action === 'hand_over') await db.query(recordStatement(appSchema, TOKEN_USAGES, decision.to));
      settings?.onOutcome?.({ ...decision, table: coderTableName(appSchema) });
    },
  };
}

/** Throws (rolling the migration back) when Coder's state forbids adding the columns now. */
export async function coderColumnsUp(
  db: Queryable,
  appSchema: string,
  settings: CoderSettings | undefined,
): Promise<CoderStep<UpDecision>> {
  return (await coderStep(db, appSchema, settings, decideUp)) as CoderStep<UpDecision>;
}

/**
 * Throws DownRefusedError before anything is touched when the columns are Coder's; the data
 * guard (and --force-drop-data) comes after, and cannot change that answer.
 */
export async function coderColumnsDown(
  db: Queryable,
  appSchema: string,
  settings: CoderSettings | undefined,
): Promise<CoderStep<DownDecision>> {
  return (await coderStep(db, appSchema, settings, decideDown)) as CoderStep<DownDecision>;
}
