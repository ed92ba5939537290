import { ToolkitError } from '../../errors.js';
import { defineCommand } from '../command.js';

export const upCommand = defineCommand({
  command: 'up',
  describe: '(not implemented yet)',
  flags: {},
  async run() {
    throw new ToolkitError('INTERNAL', 'up is not implemented yet');
  },
});
