/**
 * What differs between the forward run (fill the columns from metadata) and the reverse run
 * (copy the columns back into metadata): the statements that read and write rows and the count
 * that ends a pass.
 * Everything else — ranges, checkpoints, retries, lanes, throttle — is shared.
 */
import type { Direction } from '../../ledger/rows.js';
import type { JudgedRow } from '../policy/rounds.js';
import { batchStatement, eligibleCountStatement, judgeStatement, roundStatement } from './forward.js';
import type { Statement } from '../../db/sql.js';
import type { CountWindow } from './count-window.js';
import type { KeyWindow } from './key-window.js';
import type { JudgeSpan, RoundPlace } from './page-walk.js';
import { reverseBatchStatement, reverseCountStatement, reverseJudgeStatement, reverseRoundStatement } from './reverse.js';

export interface DirectionOps {
  direction: Direction;
  /**
   * One batch over a key window in one statement; its one row has `scanned`, `updated`,
   * `app_written`, `existed`, `last_id` and `anomalies` (a {class: rows} object).
   */
  batch(usages: string, window: KeyWindow): Statement;
  /**
   * One chunk of the count that ends a pass; its one row has `scanned`, `eligible` (rows a sweep
   * would still write), `existed`, `unreversible` (reverse only) and `last_id`.
   */
  count(usages: string, window: CountWindow): Statement;
  /**
   * The page walk's read of a span of pages; its one row has `scanned`, `app_written`,
   * `existed`, `anomalies` and the rows to write (page-walk.ts judgedRowsSql) with
   * `judgedValues` values each.
   */
  judge(usages: string, span: JudgeSpan, existedBefore: Date): Statement;
  judgedValues: number;
  /**
   * One round of the page walk: writes `rows` (at most one per page); its one row has `updated`
   * and `moved`, the rows it moved to pages of the pass outside the window (page-walk.ts).
   */
  round(usages: string, rows: readonly JudgedRow[], place: RoundPlace): Statement;
}

export const FORWARD: DirectionOps = {
  direction: 'forward',
  batch: batchStatement,
  count: eligibleCountStatement,
  judge: judgeStatement,
  judgedValues: 2,
  round: roundStatement,
};

export const REVERSE: DirectionOps = {
  direction: 'reverse',
  batch: reverseBatchStatement,
  count: reverseCountStatement,
  judge: reverseJudgeStatement,
  judgedValues: 0,
  round: reverseRoundStatement,
};

export function directionOps(reverse: boolean): DirectionOps {
  return reverse ? REVERSE : FORWARD;
}
