/** A sample's whole-table estimates as labelled rows, for every renderer. */
import type { Estimate, SampleSection } from './model.js';

export function sampleEstimateRows(sample: SampleSection): [label: string, estimate: Estimate][] {
  const e = sample.estimates;
  return [
    ['rows', e.rows],
    ['ok', e.classes.ok],
    ['application_written', e.classes.application_written],
    ['pending', e.classes.pending],
    ['conflict', e.classes.conflict],
    ['rows with anomalies', e.rows_with_anomalies],
    ['cache-read tokens: columns', e.cache_read.columns],
    ['cache-read tokens: from metadata', e.cache_read.rule],
    ['cache-read tokens: Δ', e.cache_read.difference],
    ['cache-write tokens: columns', e.cache_write.columns],
    ['cache-write tokens: from metadata', e.cache_write.rule],
    ['cache-write tokens: Δ', e.cache_write.difference],
  ];
}

/** The headline of a sample that found no failing row. */
export function sampleHeadline(sample: SampleSection): string {
  return `sample of ~${sample.percent}% of the pages: no failing row among ${sample.rows_sampled.toLocaleString('en-US')} rows — not a verification`;
}
