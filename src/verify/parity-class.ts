/**
 * The per-row parity decision: which of four classes a row of aibridge_token_usages is in,
 * given its two cache columns and the two values the rule derives from its metadata.
 *
 * Per column, the column either equals the rule's value, or holds a value where the metadata
 * gives 0 (written by the new application, which sets the columns directly), or neither.
 *
 *   ok                   both columns equal the rule's values (including 0 = 0);
 *   pending              both columns are 0 and the rule gives a non-zero value for at least
 *                        one: the backfill has not reached this row yet;
 *   application_written  no column disagrees with a non-zero rule value, and at least one
 *                        column is non-zero where the rule gives 0 (e.g. the application set
 *                        cache_read_input_tokens, and the metadata has no cache keys);
 *   conflict             anything else: a column differs from a non-zero rule value. This
 *                        includes a row where one column was set and the other is 0 while
 *                        the metadata says otherwise — the backfill never touches a row with a
 *                        non-default column, so nothing will ever fill that 0.
 *
 * The SQL in parityClassSql() is the same decision; test/integration/verify-classify-sql.test.ts
 * checks them against each other on real rows.
 */

export const PARITY_CLASSES = ['ok', 'application_written', 'pending', 'conflict'] as const;
export type ParityClass = (typeof PARITY_CLASSES)[number];

/** Classes that make parity fail. */
export const FAILING_CLASSES = ['pending', 'conflict'] as const satisfies readonly ParityClass[];

export interface ParityInput {
  columnRead: bigint;
  columnWrite: bigint;
  ruleRead: bigint;
  ruleWrite: bigint;
}

export function classifyParity(row: ParityInput): ParityClass {
  const { columnRead, columnWrite, ruleRead, ruleWrite } = row;
  if (columnRead === ruleRead && columnWrite === ruleWrite) return 'ok';
  if (columnRead === 0n && columnWrite === 0n) return 'pending';
  const readFine = columnRead === ruleRead || ruleRead === 0n;
  const writeFine = columnWrite === ruleWrite || ruleWrite === 0n;
  return readFine && writeFine ? 'application_written' : 'conflict';
}

/**
 * The same decision as an SQL CASE over four bigint expressions (never NULL: the columns are
 * NOT NULL and the rule's expressions COALESCE to 0). Callers pass column references of an
 * already-computed row, so each input is evaluated once.
 */
export function parityClassSql(columnRead: string, columnWrite: string, ruleRead: string, ruleWrite: string): string {
  return `CASE
      WHEN ${columnRead} = ${ruleRead} AND ${columnWrite} = ${ruleWrite} THEN 'ok'
      WHEN ${columnRead} = 0 AND ${columnWrite} = 0 THEN 'pending'
      WHEN (${columnRead} = ${ruleRead} OR ${ruleRead} = 0) AND (${columnWrite} = ${ruleWrite} OR ${ruleWrite} = 0) THEN 'application_written'
      ELSE 'conflict'
    END`;
}

/** The comparisons classifyParity makes, as the census packs them for each row (scan/census.ts). */
export interface ParityFlags {
  /** Both columns are 0. */
  columnsZero: boolean;
  readEqual: boolean;
  writeEqual: boolean;
  ruleReadZero: boolean;
  ruleWriteZero: boolean;
}

/** classifyParity from the comparisons alone: the same decision, step for step. */
export function classOfFlags(flags: ParityFlags): ParityClass {
  if (flags.readEqual && flags.writeEqual) return 'ok';
  if (flags.columnsZero) return 'pending';
  const readFine = flags.readEqual || flags.ruleReadZero;
  const writeFine = flags.writeEqual || flags.ruleWriteZero;
  return readFine && writeFine ? 'application_written' : 'conflict';
}
