/**
 * The metrics endpoint's settings, shared by every command that serves /metrics (`backfill`
 * and, through its schema, `apply`): spread `metricsShape` into the command's schema.
 */
import { z } from 'zod';
import { duration, integer, type InMs } from '../config/fields.js';

const METRICS = 'Metrics:';

export const metricsShape = {
  metricsPort: integer(1, 65_535)
    .optional()
    .meta({ describe: 'serve Prometheus metrics on this port at /metrics while the command runs', defaultText: 'off', group: METRICS }),
  metricsHost: z
    .string()
    .trim()
    .min(1, 'must name an address to listen on')
    .prefault('127.0.0.1')
    .meta({ describe: 'address the metrics endpoint listens on (0.0.0.0: every interface)', group: METRICS }),
  metricsLinger: duration(0, 3_600_000).prefault(0).meta({
    describe: 'keep serving /metrics this long after the run ends, so a scrape sees the final values (a signal ends it early)',
    group: METRICS,
  }),
} as const;

export type MetricsSettings = InMs<z.output<z.ZodObject<typeof metricsShape>>>;
