/** verify's settings: the shared connection options plus its own. */
import { z } from 'zod';
import { connectionShape, type Parsed, type Settings } from '../config/common.js';
import { filePath, flag, integer, oneOf, percent } from '../config/fields.js';
import { REPORT_FORMATS } from '../report/formats.js';

const REPORT = 'Report:';
const READING = 'Reading:';

export const verifyShape = {
  ...connectionShape,
  /** Sample rows per failing class (and anomalous rows) named in the report. */
  maxSamples: integer(0, 10_000).prefault(20).meta({ describe: 'sample rows to name per failing class and for anomalies', group: REPORT }),
  /** Sessions listed in the per-session totals, largest difference first. */
  topSessions: integer(0, 10_000).prefault(10).meta({ describe: 'sessions to list, largest difference first', group: REPORT }),
  failOnAnomaly: flag().prefault(false).meta({ describe: 'exit 1 when metadata holds malformed cache values', group: REPORT }),
  format: oneOf(REPORT_FORMATS)
    .optional()
    .meta({ describe: `report format: ${REPORT_FORMATS.join(', ')}`, defaultText: 'text (json with --json)', group: REPORT }),
  output: filePath().optional().meta({ describe: 'write the report to this file instead of stdout', defaultText: 'stdout', group: REPORT }),
  /**
   * Sessions that read the table at once, each taking chunks, all inside one snapshot (the
   * first exports it, the others import it). Two keep two server cores busy.
   */
  workers: integer(1, 16)
    .prefault(2)
    .meta({ describe: 'database sessions reading chunks of the table at once, all in one snapshot', group: READING }),
  /**
   * A quick look at a huge table: about this share of its pages, read in TABLESAMPLE SYSTEM
   * replicates; the report's figures for the whole table are estimates with their error. Never
   * a pass (exit 12 when no failing row is found): a change of meaning, so a flag only.
   */
  sample: percent(0.0001, 50).optional().meta({
    describe: 'quick look: read about this share of the pages (e.g. 1%) and estimate the rest; never passes (exit 12 if nothing fails)',
    defaultText: 'every row',
    group: READING,
    flagOnly: true,
  }),
} as const;

export const verifyOptionsSchema = z
  .object(verifyShape)
  .strict()
  .superRefine((value, ctx) => {
    if (value.sample !== undefined && value.format === 'junit') {
      ctx.addIssue({
        code: 'custom',
        path: ['sample'],
        message:
          'cannot be combined with --format junit: CI reads a JUnit report as test results, and a sample that found nothing is not a passed test; run verify without --sample for the gate',
      });
    }
  });

export type VerifyOptions = Parsed<typeof verifyOptionsSchema>;
export type VerifyConfig = Settings<typeof verifyOptionsSchema>;
