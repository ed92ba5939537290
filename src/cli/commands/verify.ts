import { ToolkitError } from '../../errors.js';
import { defineCommand } from '../command.js';

export const verifyCommand = defineCommand({
  command: 'verify',
  describe: '(not implemented yet)',
  flags: {},
  async run() {
    throw new ToolkitError('INTERNAL', 'verify is not implemented yet');
  },
});
