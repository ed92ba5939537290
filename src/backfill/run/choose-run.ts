/**
 * Which run a backfill works on, for the single runner and for workers alike, once the caller
 * has preflighted (before taking its lock): resume the open run of this direction (claiming it
 * for this process), or abandon it with --restart, or create a fresh one.
 */
import type { Queryable } from '../../db/port.js';
import { PreflightError } from '../../errors.js';
import { hasFirstPass } from '../../ledger/ranges.js';
import type { Direction, RangePlan, RunRow, Walk } from '../../ledger/rows.js';
import { clearCancel } from '../../ledger/control.js';
import { abandonRun, claimRun, createRun, findOpenRun, latestRun, readRun } from '../../ledger/runs.js';
import type { Tables, Target } from '../../names.js';
import { ruleFingerprint } from '../../rule/index.js';

export interface ChosenRun {
  run: RunRow;
  resumed: boolean;
  /** The table's size as best known now: the ledger's estimate or the catalog, whichever is larger. */
  estimatedRows: number;
  /**
   * False when a fresh run follows a completed one (same direction, same rule): it starts with
   * the convergence count, and the first pass runs only if that finds eligible rows.
   */
  firstPass: boolean;
}

export interface RunChoice {
  restart: boolean;
  host: string;
  pid: number;
  names: Tables;
  target: Target;
  direction: Direction;
  /** The options kept with a new run, for a DBA reading the ledger. */
  recordedOptions: Record<string, unknown>;
  /** --batch-size of this process, recorded on the run it creates or claims; null: adaptive. */
  fixedBatchSize: number | null;
  /** How a new run walks the table. */
  walk: Walk;
  /** A new run's first-pass ranges (of `walk`). */
  ranges: readonly RangePlan[];
  /** pg_class.reltuples, from the preflight. */
  catalogRows: number;
  /** Called before --restart abandons `open`; throws to refuse. */
  beforeRestart?: (open: RunRow) => Promise<void>;
}

export async function chooseRun(db: Queryable, choice: RunChoice): Promise<ChosenRun> {
  const { names, target } = choice;

  const fingerprint = ruleFingerprint();
  let open = await findOpenRun(db, names, target, choice.direction);
  if (open && choice.restart) {
    await choice.beforeRestart?.(open);
    await abandonRun(db, names, open.id, `replaced by a fresh run (--restart) from ${choice.host} pid ${choice.pid}`);
    open = null;
  }
  if (open && open.ruleFingerprint !== fingerprint) {
    throw new PreflightError(
      `unfinished backfill run #${open.id} was started under a different rule (fingerprint ${open.ruleFingerprint}, this version has ${fingerprint}); resuming would leave the table half one rule, half the other`,
      { hint: 'Start a fresh run with --restart: it re-judges every row whose columns are still 0 under the current rule.' },
    );
  }
  if (open) {
    await claimRun(db, names, open.id, { host: choice.host, pid: choice.pid, fixedBatchSize: choice.fixedBatchSize });
    // Starting `backfill` on a cancelled run is the operator's word to go on (logged); a pause stays.
    await clearCancel(db, names, open.id, { host: choice.host, pid: choice.pid });
    const run = await readRun(db, names, open.id);
    return {
      run,
      resumed: true,
      firstPass: await hasFirstPass(db, names, run.id),
      estimatedRows: Math.max(run.rowsEstimated ?? 0, Math.round(choice.catalogRows)),
    };
  }
  const firstPass = !(await followsCompletedRun(db, choice, fingerprint));
  const estimatedRows = Math.max(0, Math.round(choice.catalogRows));
  const run = await createRun(db, names, {
    ...target,
    ruleFingerprint: fingerprint,
    walk: choice.walk,
    rowsAtStartFrom: firstPass ? 'first pass' : 'first count',
    options: choice.recordedOptions,
    fixedBatchSize: choice.fixedBatchSize,
    host: choice.host,
    pid: choice.pid,
    rowsEstimated: estimatedRows,
    direction: choice.direction,
    ranges: firstPass ? choice.ranges : [],
  });
  return { run, resumed: false, firstPass, estimatedRows };
}

/**
 * A re-run after a completed run finds almost nothing to write. A first pass would walk the
 * table and then the count that ends every pass would walk it again; the count alone walks it
 * once and proves the same, and the first pass follows only if it finds rows. Not after
 * --restart (the user asked to re-judge every row), another direction or another rule.
 */
async function followsCompletedRun(db: Queryable, choice: RunChoice, fingerprint: string): Promise<boolean> {
  if (choice.restart) return false;
  const last = await latestRun(db, choice.names, choice.target);
  return last !== null && last.status === 'completed' && last.direction === choice.direction && last.ruleFingerprint === fingerprint;
}
