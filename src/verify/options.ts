/** verify's settings: the shared connection options plus its own. */
import { z } from 'zod';
import { connectionShape, type Connected } from '../config/common.js';
import { filePath, flag, integer, oneOf } from '../config/fields.js';
import { REPORT_FORMATS } from '../report/formats.js';

const REPORT = 'Report:';

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
} as const;

export const verifyOptionsSchema = z.object(verifyShape).strict();

export type VerifyOptions = z.output<typeof verifyOptionsSchema>;
export type VerifyConfig = Connected<VerifyOptions>;
