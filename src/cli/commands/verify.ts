import { defineCommand } from '../command.js';
import { knownOptionKeys } from '../flags.js';

const REPORT = 'Report:';

export const verifyCommand = defineCommand({
  command: 'verify',
  describe: 'Check that the cache columns agree with the metadata, row by row and in total (read-only)',
  flags: {
    format: { describe: 'report format: text, json, markdown, junit or html', type: 'string', defaultDescription: 'text', group: REPORT },
    output: { describe: 'write the report to this file instead of stdout', type: 'string', group: REPORT },
    maxSamples: { describe: 'sample rows to name per failing class and for anomalies', type: 'string', defaultDescription: '20', group: REPORT },
    topSessions: { describe: 'sessions to list, largest difference first', type: 'string', defaultDescription: '10', group: REPORT },
    failOnAnomaly: { describe: 'exit 1 when metadata holds malformed cache values', type: 'boolean', group: REPORT },
  },
  examples: [
    ['$0 verify --database-url postgres://…', 'summary on the terminal; exit 0 if parity holds, 1 if not'],
    ['$0 verify --format junit --output verify.xml', 'a JUnit report for CI'],
    ['$0 verify --format markdown --max-samples 5', 'Markdown for a change ticket'],
    ['$0 verify --format html --output verify.html', 'one self-contained page with charts'],
  ],
  async run(flags) {
    // Loaded here, not at the top: `--help` must not pay for zod, pg or the rule's SQL.
    const [{ resolveOptions }, { requireDatabaseUrl }, { verifyOptionsSchema }, { runVerifyCommand }] = await Promise.all([
      import('../../config/resolve.js'),
      import('../../config/common.js'),
      import('../../verify/options.js'),
      import('../../verify/command.js'),
    ]);
    const options = await resolveOptions(verifyOptionsSchema, { flags, configFile: flags.config as string | undefined, knownKeys: knownOptionKeys() });
    return runVerifyCommand(requireDatabaseUrl(options));
  },
});
