/**
 * `pause`, `resume`, `cancel` and `throttle`: find the run in progress (the open run of the
 * direction), change its control row and log who did it, in one transaction. The running
 * processes read the row before every batch; nothing here talks to them.
 */
import os from 'node:os';
import { connect } from '../../db/connect.js';
import { translatePgError } from '../../db/pg-errors.js';
import { PreflightError } from '../../errors.js';
import { changeControl, controlExists, readControl, type RunControl } from '../../ledger/control.js';
import { findOpenRun, ledgerExists } from '../../ledger/runs.js';
import type { Direction } from '../../ledger/rows.js';
import { tables, target } from '../../names.js';
import type { Runtime } from '../../runtime.js';
import type { ControlSettings } from './options.js';
import { planControl, type ControlRequest } from './plan.js';

export type ControlResult =
  | { status: 'no_run'; command: ControlRequest['command']; direction: Direction; database: string; message: string }
  | {
      status: 'changed' | 'unchanged';
      command: ControlRequest['command'];
      direction: Direction;
      database: string;
      runId: number;
      /** The run's ledger status (running, interrupted, failed). */
      runStatus: string;
      control: RunControl;
      message: string;
    };

export interface ControlDeps extends Runtime {
  host?: string;
  pid?: number;
}

export async function runControl(settings: ControlSettings, request: ControlRequest, deps: ControlDeps): Promise<ControlResult> {
  const direction: Direction = settings.reverse ? 'reverse' : 'forward';
  const names = tables(settings.schema, settings.stateSchema);
  const database = settings.connection.label;
  const base = { command: request.command, direction, database };
  const client = await connect({ target: settings.connection, applicationName: `aibridge-migrate ${request.command}`, runtime: deps });
  try {
    const run = (await ledgerExists(client, names)) ? await findOpenRun(client, names, target(settings.schema), direction) : null;
    if (!run)
      return {
        ...base,
        status: 'no_run',
        message: `no ${direction} backfill run in progress on ${database}: nothing to ${request.command}`,
      };
    if (!(await controlExists(client, names))) {
      throw new PreflightError(`the backfill ledger in ${names.runs} predates this version (no control columns)`, {
        hint: 'Run `aibridge-migrate up` first: it adds the control columns and log; the running backfill is not disturbed.',
      });
    }
    if (request.command === 'cancel' && run.status !== 'running') {
      return {
        ...base,
        status: 'unchanged',
        runId: run.id,
        runStatus: run.status,
        control: await readControl(client, names, run.id),
        message: `run #${run.id} is ${run.status}: no process is working it, nothing to cancel`,
      };
    }
    let message = '';
    const result = await changeControl(client, names, run.id, request.command, issuer(deps), (current) => {
      const plan = planControl(current, request);
      message = plan.message;
      return plan.next;
    });
    const note =
      request.command === 'throttle' && request.targetBatchMs !== undefined && run.fixedBatchSize !== null
        ? ` (note: the run's batches have a fixed --batch-size ${run.fixedBatchSize}, so they are not sized by an aim)`
        : '';
    return {
      ...base,
      status: result.changed ? 'changed' : 'unchanged',
      runId: run.id,
      runStatus: run.status,
      control: result.after,
      message: `run #${run.id} ${message}${note}`,
    };
  } catch (error) {
    throw translatePgError(error, { connection: settings.connection, action: `running ${request.command}` });
  } finally {
    await client.end().catch(() => {});
  }
}

function issuer(deps: ControlDeps) {
  return { host: deps.host ?? os.hostname(), pid: deps.pid ?? process.pid };
}

export function controlJson(result: ControlResult): Record<string, unknown> {
  return {
    status: 'ok',
    command: result.command,
    database: result.database,
    direction: result.direction,
    outcome: result.status,
    run_id: result.status === 'no_run' ? null : result.runId,
    run_status: result.status === 'no_run' ? null : result.runStatus,
    control:
      result.status === 'no_run'
        ? null
        : {
            state: result.control.state,
            max_rows_per_second: result.control.maxRowsPerSecond,
            target_batch_ms: result.control.targetBatchMs,
          },
    message: result.message,
  };
}
