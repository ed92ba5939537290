/** verify's settings: the shared connection options plus its own. */
import { z } from 'zod';
import { connectionShape } from '../config/common.js';
import { flag, integer, oneOf } from '../config/fields.js';
import { REPORT_FORMATS } from '../report/formats.js';

export const verifyShape = {
  ...connectionShape,
  /** Sample rows per failing class (and anomalous rows) named in the report. */
  maxSamples: integer(0, 10_000).default(20),
  /** Sessions listed in the per-session totals, largest difference first. */
  topSessions: integer(0, 10_000).default(10),
  failOnAnomaly: flag().default(false),
  format: oneOf(REPORT_FORMATS).optional(),
  output: z.string().min(1, 'must name a file').optional(),
} as const;

export const verifyOptionsSchema = z.object(verifyShape).strict();

export type VerifyOptions = z.output<typeof verifyOptionsSchema>;
export type VerifyConfig = Omit<VerifyOptions, 'databaseUrl'> & { databaseUrl: string };
