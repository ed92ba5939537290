import { ToolkitError } from '../../errors.js';
import { defineCommand } from '../command.js';

export const downCommand = defineCommand({
  command: 'down',
  describe: '(not implemented yet)',
  flags: {},
  async run() {
    throw new ToolkitError('INTERNAL', 'down is not implemented yet');
  },
});
