/** Every command of the CLI, in the order --help lists them. */
import type { Command } from '../command.js';
import { applyCommand } from './apply.js';
import { backfillCommand } from './backfill.js';
import { cancelCommand, pauseCommand, resumeCommand, throttleCommand } from './control.js';
import { downCommand } from './down.js';
import { statusCommand } from './status.js';
import { upCommand } from './up.js';
import { verifyCommand } from './verify.js';

export const COMMANDS: readonly Command[] = [
  applyCommand,
  upCommand,
  downCommand,
  statusCommand,
  backfillCommand,
  verifyCommand,
  pauseCommand,
  resumeCommand,
  cancelCommand,
  throttleCommand,
];

export { knownOptionKeys } from '../command.js';
