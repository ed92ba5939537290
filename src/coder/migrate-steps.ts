/**
 * What the migrate commands (up, down, status, up --dry-run) ask about Coder, each in one call,
 * so those commands only gain a line or two. The decisions themselves are in decide.ts; the
 * work inside the columns migration's transaction is in columns-step.ts.
 */
import type { Queryable } from '../db/port.js';
import { coderUpCheck, refusalError, type CoderCheck } from './check.js';
import type { CoderOutcome, CoderSettings } from './columns-step.js';
import { coderNumbers, type CoderNumbers } from './constants.js';
import { decideDown, decideUp } from './decide.js';
import { coderReport, type CoderReport } from './report.js';
import { readCoderFacts, type CoderFacts } from './state.js';

export interface CoderRead {
  facts: CoderFacts;
  numbers: CoderNumbers;
}

export async function readCoder(db: Queryable, schema: string, migration: number): Promise<CoderRead> {
  return { facts: await readCoderFacts(db, schema), numbers: coderNumbers(migration) };
}

function versionOf(facts: CoderFacts): number | null {
  return facts.table.kind === 'present' ? facts.table.version : null;
}

/**
 * `up`'s preflight line about Coder, when the columns migration is pending and Coder is there
 * (a refusal there fails the preflight: nothing at all is changed, not even the bookkeeping table).
 */
export function coderUpPreflight(read: CoderRead, columnsPending: boolean): CoderCheck | undefined {
  return columnsPending ? coderUpCheck(decideUp(read.facts, read.numbers), versionOf(read.facts)) : undefined;
}

/** `down` of the columns: refuses (throws) before any lock when the columns are Coder's. */
export function assertCoderAllowsDown(read: CoderRead): void {
  const decision = decideDown(read.facts, read.numbers);
  if (decision.action === 'refuse') throw refusalError(decision.refusal);
}

/** The settings handed to the columns migration, and what it reported back. */
export function coderRecorder(migration: number): { settings: CoderSettings; outcome: () => CoderOutcome | null } {
  let last: CoderOutcome | null = null;
  return {
    settings: {
      migration,
      onOutcome: (outcome) => {
        last = outcome;
      },
    },
    outcome: () => last,
  };
}

/** The report after the command: Coder as it is now, what this run did, and any danger left. */
export async function coderAfter(
  db: Queryable,
  before: CoderRead,
  columnsApplied: boolean,
  outcome: CoderOutcome | null,
): Promise<CoderReport> {
  const facts = await readCoderFacts(db, before.facts.schema);
  return coderReport({ facts, numbers: before.numbers, columnsApplied, versionBefore: versionOf(before.facts), outcome });
}

export { coderReport, type CoderReport } from './report.js';
