/**
 * Coder's part of what `up`, `down`, `status` and `up --dry-run` report: the data (CoderReport)
 * and its JSON and text forms. Pure functions of the data.
 */
import type { CoderOutcome } from './columns-step.js';
import type { CoderNumbers } from './constants.js';
import { describeCoder, type CoderSummary } from './decide.js';
import { coderDetected, coderTableName, type CoderFacts } from './state.js';

export interface CoderReport {
  /** Coder's facts as the command read them (after the change, for up and down). */
  facts: CoderFacts;
  numbers: CoderNumbers;
  /** Coder's version before the command changed anything. */
  versionBefore: number | null;
  /** What the columns migration did about Coder in this run; null when it did not run. */
  outcome: CoderOutcome | null;
  summary: CoderSummary;
}

export function coderReport(options: {
  facts: CoderFacts;
  numbers: CoderNumbers;
  columnsApplied: boolean;
  versionBefore?: number | null;
  outcome?: CoderOutcome | null;
}): CoderReport {
  const version = options.facts.table.kind === 'present' ? options.facts.table.version : null;
  return {
    facts: options.facts,
    numbers: options.numbers,
    versionBefore: options.versionBefore === undefined ? version : options.versionBefore,
    outcome: options.outcome ?? null,
    summary: describeCoder(options.facts, options.numbers, options.columnsApplied),
  };
}

/** What the run did, as one sentence; null when it did nothing about Coder. */
export function outcomeMessage(outcome: CoderOutcome | null, numbers: CoderNumbers): string | null {
  if (outcome === null) return null;
  switch (outcome.action) {
    case 'standalone':
      return null;
    case 'hand_over':
      return `Coder's migration ${outcome.to} is now recorded as applied in ${outcome.table} (it was at ${outcome.from}): the next Coder upgrade will skip ${outcome.to} and apply only the migrations after it.`;
    case 'coder_owns':
      return `Coder had already applied its migration ${numbers.migration} (it is at ${outcome.version}): the columns are Coder's; their definition was checked and ${outcome.table} was not touched.`;
    case 'hand_back':
      return `Coder's version in ${outcome.table} is back at ${outcome.to} (it was ${outcome.from}): the next Coder upgrade applies its migration ${outcome.from} itself.`;
    case 'not_coders':
      return `Coder is at migration ${outcome.version ?? 'none'}, before its migration ${numbers.migration}: ${outcome.table} was not touched.`;
  }
}

export function coderJson(r: CoderReport) {
  const t = r.facts.table;
  return {
    detected: coderDetected(r.facts),
    schema_migrations: coderTableName(r.facts.schema),
    version: t.kind === 'present' ? t.version : null,
    version_before: r.versionBefore,
    dirty: t.kind === 'present' ? t.dirty : null,
    coder_migration: r.numbers.migration,
    migration_before: r.numbers.before,
    handed_over_by_toolkit: r.facts.handedOver !== null,
    columns_present: r.facts.columnsPresent,
    action: r.outcome && r.outcome.action !== 'standalone' ? r.outcome.action : null,
    message: outcomeMessage(r.outcome, r.numbers),
    summary: r.summary.summary,
    warnings: r.summary.warnings,
  };
}

/** Coder's lines for up and down: only when Coder is there (standalone output stays as it was). */
export function coderDetectedLines(r: CoderReport): string[] {
  return coderDetected(r.facts) ? coderLines(r) : [];
}

/** `coder: …` lines: what was done (if anything), else where Coder stands; then warnings. */
export function coderLines(r: CoderReport, prefix = ''): string[] {
  const done = outcomeMessage(r.outcome, r.numbers);
  return [`${prefix}coder: ${done ?? r.summary.summary}`, ...r.summary.warnings.map((w) => `${prefix}warning: ${w}`)];
}
