/**
 * Which run a backfill works on, for the single runner and for workers alike: after the write
 * preflight (done by the caller before it locks), resume the open run of this direction (claiming it for this process), or abandon
 * it with --restart, or create a fresh one.
 */
import { PreflightError } from '../errors.js';
import { ruleFingerprint } from '../rule/index.js';
import type { BackfillDeps } from './deps.js';
import { abandonRun, claimRun, createRun, findOpenRun, readRun, type Direction, type Queryable, type RunRow, type Target } from './ledger.js';
import type { BackfillConfig } from './options.js';
import type { TableFacts } from './preflight.js';
import type { KeyRange } from './ranges.js';
import type { TableNames } from './sql.js';

export interface ChosenRun {
  run: RunRow;
  resumed: boolean;
  /** The table's size as best known now: the ledger's estimate or the catalog, whichever is larger. */
  estimatedRows: number;
}

export interface RunChoice {
  config: Pick<BackfillConfig, 'schema' | 'restart'>;
  deps: Pick<BackfillDeps, 'host' | 'pid'>;
  names: TableNames;
  target: Target;
  direction: Direction;
  /** The options kept with a new run, for a DBA reading the ledger. */
  recordedOptions: Record<string, unknown>;
  /** A new run's keyed-pass ranges; default one range over the whole key space. */
  ranges?: readonly KeyRange[];
  /** From preflightBackfill, run before any lock was taken. */
  facts: TableFacts;
  /** Called before --restart abandons `open`; throws to refuse. */
  beforeRestart?: (open: RunRow) => Promise<void>;
}

export async function chooseRun(db: Queryable, choice: RunChoice): Promise<ChosenRun> {
  const { config, deps, names, target } = choice;
  const { facts } = choice;

  const fingerprint = ruleFingerprint();
  let open = await findOpenRun(db, names, target, choice.direction);
  if (open && config.restart) {
    await choice.beforeRestart?.(open);
    await abandonRun(db, names, open.id, `replaced by a fresh run (--restart) from ${deps.host} pid ${deps.pid}`);
    open = null;
  }
  if (open && open.ruleFingerprint !== fingerprint) {
    throw new PreflightError(
      `unfinished backfill run #${open.id} was started under a different rule (fingerprint ${open.ruleFingerprint}, this version has ${fingerprint}); resuming would leave the table half one rule, half the other`,
      { hint: 'Start a fresh run with --restart: it re-judges every row whose columns are still 0 under the current rule.' },
    );
  }
  if (open) {
    await claimRun(db, names, open.id, deps.host, deps.pid);
    const run = await readRun(db, names, open.id);
    return { run, resumed: true, estimatedRows: Math.max(run.rowsEstimated ?? 0, Math.round(facts.catalogRows)) };
  }
  const { rows } = await db.query(`SELECT count(*)::bigint AS n, max(t.created_at) AS max_created FROM ${names.usages} AS t`);
  const count = Number(rows[0]!.n);
  const run = await createRun(db, names, {
    ...target,
    ruleFingerprint: fingerprint,
    options: choice.recordedOptions,
    host: deps.host,
    pid: deps.pid,
    tableRowsAtStart: count,
    maxCreatedAtAtStart: rows[0]!.max_created ?? null,
    rowsEstimated: count,
    direction: choice.direction,
    ...(choice.ranges ? { ranges: choice.ranges } : {}),
  });
  return { run, resumed: false, estimatedRows: count };
}
