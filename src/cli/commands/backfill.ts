import { ToolkitError } from '../../errors.js';
import { defineCommand } from '../command.js';

export const backfillCommand = defineCommand({
  command: 'backfill',
  describe: '(not implemented yet)',
  flags: {},
  async run() {
    throw new ToolkitError('INTERNAL', 'backfill is not implemented yet');
  },
});
