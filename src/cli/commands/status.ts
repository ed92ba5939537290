import { ToolkitError } from '../../errors.js';
import { defineCommand } from '../command.js';

export const statusCommand = defineCommand({
  command: 'status',
  describe: '(not implemented yet)',
  flags: {},
  async run() {
    throw new ToolkitError('INTERNAL', 'status is not implemented yet');
  },
});
