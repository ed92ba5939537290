/**
 * What `pause`, `resume`, `cancel` and `throttle` do to a run's control, and what to tell the
 * operator: a pure function of the control as it is. The lanes' side of it is in
 * policy/throttle.ts (decideControl) and run/gate.ts.
 */
import type { RunControl } from '../../ledger/control.js';
import { formatCount } from '../../text/format.js';

export type ControlRequest =
  | { command: 'pause' }
  | { command: 'resume' }
  | { command: 'cancel' }
  /** undefined: leave as is; null: remove the override (back to each process's own setting). */
  | { command: 'throttle'; maxRowsPerSecond?: number | null; targetBatchMs?: number | null };

export interface ControlPlan {
  /** The control to write, or null to leave it (and log nothing). */
  next: RunControl | null;
  /** What happens, for the operator (the run is named by the caller). */
  message: string;
}

const OBEY = 'every lane of every process obeys before its next batch';

function limitsText(control: RunControl): string {
  const parts = [
    control.maxRowsPerSecond === null
      ? 'rows per second: as each process was started'
      : `at most ${formatCount(control.maxRowsPerSecond)} rows/s per process`,
    control.targetBatchMs === null ? 'batch aim: as each process was started' : `batches aimed at ${control.targetBatchMs} ms`,
  ];
  return parts.join(', ');
}

export function planControl(current: RunControl, request: ControlRequest): ControlPlan {
  switch (request.command) {
    case 'pause':
      if (current.state === 'paused') return { next: null, message: 'is already paused' };
      if (current.state === 'cancel_requested') return { next: null, message: 'is being cancelled; not paused' };
      return {
        next: { ...current, state: 'paused' },
        message: `paused: ${OBEY} and holds with no transaction open (it looks again every second); \`aibridge-migrate resume\` continues it`,
      };
    case 'resume':
      if (current.state === 'running') return { next: null, message: 'is not paused; nothing to resume' };
      return {
        next: { ...current, state: 'running' },
        message:
          current.state === 'cancel_requested'
            ? 'resumed: the cancel request is withdrawn (processes that already stopped stay stopped: start `backfill` again)'
            : 'resumed: paused lanes continue within a second',
      };
    case 'cancel':
      if (current.state === 'cancel_requested') return { next: null, message: 'is already being cancelled' };
      return {
        next: { ...current, state: 'cancel_requested' },
        message: `cancelled: ${OBEY} and stops, checkpointed; each process exits 11. A later \`aibridge-migrate backfill\` resumes the run`,
      };
    case 'throttle': {
      const next: RunControl = {
        ...current,
        ...(request.maxRowsPerSecond !== undefined ? { maxRowsPerSecond: request.maxRowsPerSecond } : {}),
        ...(request.targetBatchMs !== undefined ? { targetBatchMs: request.targetBatchMs } : {}),
      };
      if (next.maxRowsPerSecond === current.maxRowsPerSecond && next.targetBatchMs === current.targetBatchMs) {
        return { next: null, message: `is already throttled so (${limitsText(current)})` };
      }
      return { next, message: `throttled: ${limitsText(next)}; ${OBEY}` };
    }
  }
}
