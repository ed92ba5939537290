/**
 * `pause`, `resume`, `cancel` and `throttle`: operate a running backfill from any shell or host
 * through its ledger row (src/backfill/control). With no run in progress each says so and
 * exits 0.
 */
import { controlSchema, throttleSchema, type ControlSettings } from '../../backfill/control/options.js';
import type { ControlRequest } from '../../backfill/control/plan.js';
import { defineCommand, type CommandContext } from '../command.js';

async function control(settings: ControlSettings, request: ControlRequest, context: CommandContext): Promise<number> {
  const [{ runControl, controlJson }, { EXIT_CODES }] = await Promise.all([
    import('../../backfill/control/run.js'),
    import('../../errors.js'),
  ]);
  const result = await runControl(settings, request, context.runtime);
  context.print(controlJson(result), result.message);
  return EXIT_CODES.ok;
}

export const pauseCommand = defineCommand({
  command: 'pause',
  describe: 'pause the running backfill: every lane of every process holds after its current batch, with no transaction open',
  schema: controlSchema,
  examples: [['$0 pause', 'hold the forward run; `resume` continues it']],
  run: (settings, context) => control(settings, { command: 'pause' }, context),
});

export const resumeCommand = defineCommand({
  command: 'resume',
  describe: 'resume a paused backfill (its lanes continue within a second)',
  schema: controlSchema,
  run: (settings, context) => control(settings, { command: 'resume' }, context),
});

export const cancelCommand = defineCommand({
  command: 'cancel',
  describe:
    'cancel the running backfill: every process stops after its current batch, checkpointed, and exits 11; a later `backfill` resumes the run',
  schema: controlSchema,
  run: (settings, context) => control(settings, { command: 'cancel' }, context),
});

export const throttleCommand = defineCommand({
  command: 'throttle',
  describe: "change the running backfill's limits: every process obeys within a batch",
  schema: throttleSchema,
  examples: [
    ['$0 throttle --max-rows-per-second 2000', 'at most 2000 rows/s per process of the run'],
    ['$0 throttle --target-batch-ms 50', 'aim adaptive batches at 50 ms'],
    ['$0 throttle --max-rows-per-second 0', 'back to the limit each process was started with'],
  ],
  async run(settings, context) {
    const { UsageError } = await import('../../errors.js');
    // Only what was typed: a config file's target-batch-ms is the backfill's, not a throttle order.
    const typed = context.typed as { maxRowsPerSecond?: unknown; targetBatchMs?: unknown };
    const given = (key: 'maxRowsPerSecond' | 'targetBatchMs') =>
      typed[key] === undefined || settings[key] === undefined ? undefined : settings[key] === 0 ? null : settings[key];
    const request: ControlRequest = {
      command: 'throttle',
      maxRowsPerSecond: given('maxRowsPerSecond'),
      targetBatchMs: given('targetBatchMs'),
    };
    if (request.maxRowsPerSecond === undefined && request.targetBatchMs === undefined) {
      throw new UsageError(['throttle needs --max-rows-per-second N or --target-batch-ms N (0 removes the override)'], {
        hint: 'e.g. aibridge-migrate throttle --max-rows-per-second 2000',
      });
    }
    return control(settings, request, context);
  },
});
