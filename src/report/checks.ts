/**
 * The judgement: which checks pass, fail or deserve a warning, and what the run's outcome
 * (and exit code) is. Pure functions of the report's measured sections.
 */
import { EXIT_CODES } from '../errors.js';
import type { Check, Estimate, Report } from './model.js';

type Sections = Pick<Report, 'row_parity' | 'count_parity' | 'totals' | 'anomalies' | 'snapshot' | 'sample'>;

const n = (value: number) => value.toLocaleString('en-US');
const plural = (value: number, one: string, many = `${one}s`) => `${n(value)} ${value === 1 ? one : many}`;

/** `~1,234 (95%: 1,100–1,400)`: an estimate as people read it. */
export function estimateText(e: Estimate): string {
  return `~${n(e.estimate)} (95%: ${n(Math.max(0, e.low))}–${n(e.high)})`;
}

export function rowParityCheck(s: Sections): Check {
  const { classes, rows, samples } = s.row_parity;
  const failing = classes.pending + classes.conflict;
  const breakdown = `${n(classes.ok)} ok, ${n(classes.application_written)} application-written, ${n(classes.pending)} pending, ${n(classes.conflict)} conflict`;
  if (s.sample) {
    const e = s.sample.estimates.classes;
    const estimated = ` Estimated for the table: pending ${estimateText(e.pending)}, conflict ${estimateText(e.conflict)}.`;
    return {
      id: 'row_parity',
      title: 'Per-row parity',
      status: failing > 0 ? 'fail' : 'skipped',
      summary:
        `A sample: ${plural(rows, 'row')} read, ${breakdown}.${estimated}` +
        (failing > 0
          ? ' Every failing row found is a fact, not an estimate.'
          : ' No failing row in the sample; only a full verify shows that none fails.'),
      offending_row_ids: [...samples.conflict, ...samples.pending].map((r) => r.id),
    };
  }
  let summary = `${plural(rows, 'row')}: ${breakdown}.`;
  if (!s.snapshot.columns_present) summary += ' The cache columns do not exist yet: every row the backfill would change shows as pending.';
  else if (classes.pending > 0) summary += ' Pending rows are not backfilled yet: run `aibridge-migrate backfill`.';
  if (classes.conflict > 0)
    summary += ' Conflicting rows hold column values that differ from their metadata; the backfill never overwrites them.';
  return {
    id: 'row_parity',
    title: 'Per-row parity',
    status: failing > 0 ? 'fail' : 'pass',
    summary,
    offending_row_ids: [...samples.conflict, ...samples.pending].map((r) => r.id),
  };
}

export function countParityCheck(s: Sections): Check {
  const { rows_in_table, rows_classified, ledger, ledger_run: run } = s.count_parity;
  if (rows_in_table === null) {
    return {
      id: 'count_parity',
      title: 'Count parity',
      status: 'skipped',
      summary: `A sample does not count the table (estimated: ${s.sample ? estimateText(s.sample.estimates.rows) : '?'} rows).`,
      offending_row_ids: [],
    };
  }
  const matches = rows_in_table === rows_classified;
  const parts = [`${plural(rows_classified, 'row')} classified, ${plural(rows_in_table, 'row')} in the table at the snapshot.`];
  let warn = false;
  if (ledger === 'absent') parts.push('No backfill ledger (run `up` first).');
  else if (ledger === 'no_runs') parts.push('No backfill run recorded yet.');
  else if (run) {
    parts.push(
      `Backfill run ${run.run_id} (${run.status}) saw ${run.table_rows_at_start === null ? 'an unknown number of' : n(run.table_rows_at_start)} rows at its start; ${n(rows_in_table)} now` +
        (run.rows_created_since_start === null ? '.' : `, ${n(run.rows_created_since_start)} created since.`),
    );
    if (run.rows_unexplained !== null && run.rows_unexplained !== 0) {
      warn = true;
      parts.push(
        `${n(Math.abs(run.rows_unexplained))} rows ${run.rows_unexplained < 0 ? 'fewer' : 'more'} than inserts explain (rows deleted, or created_at not increasing).`,
      );
    }
    if (!run.rule_fingerprint_matches) {
      warn = true;
      parts.push('That run used a different rule than this version of the toolkit.');
    }
  }
  return {
    id: 'count_parity',
    title: 'Count parity',
    status: !matches ? 'fail' : warn ? 'warn' : 'pass',
    summary: parts.join(' '),
    offending_row_ids: [],
  };
}

function groupName(provider: string | null, model: string | null): string {
  return provider === null ? '(no interception)' : `${provider} / ${model}`;
}

export function providerTotalsCheck(s: Sections): Check {
  const differing = s.totals.by_provider_model.filter((g) => !g.agrees);
  const groups = s.totals.by_provider_model.length;
  return {
    id: 'totals_by_provider_model',
    title: 'Totals per provider and model',
    status: differing.length > 0 ? 'fail' : s.sample ? 'skipped' : 'pass',
    summary:
      differing.length === 0
        ? s.sample
          ? `In the sample, column sums equal the metadata's sums (apart from application-written tokens) in all ${plural(groups, 'provider/model group')}; only a full verify shows it for the table.`
          : `Column sums equal the metadata's sums (apart from application-written tokens) in all ${plural(groups, 'provider/model group')}.`
        : `Column sums differ from the metadata's in ${differing.length} of ${plural(groups, 'group')}: ${differing
            .map(
              (g) =>
                `${groupName(g.provider, g.model)} (reads ${signed(g.cache_read.difference)}, writes ${signed(g.cache_write.difference)})`,
            )
            .join('; ')}.`,
    offending_row_ids: [],
  };
}

/** One sentence on the sessions, for every renderer. */
export function sessionsSentence(sessions: Sections['totals']['sessions'], sampled: boolean): string {
  const { with_failing_rows: holding, differing } = sessions;
  if (holding === null || differing === null) {
    return sampled
      ? 'Not summed per session: a sample holds only part of each session.'
      : 'Not summed per session: more sessions hold failing rows than one verify sums in memory; row parity already fails.';
  }
  if (holding === 0) return "No row fails parity, and a session's totals are sums of its rows: no session can differ.";
  return differing === 0
    ? `The ${plural(holding, 'session')} holding failing rows agree (their rows' differences cancel).`
    : `${n(differing)} of the ${plural(holding, 'session')} holding failing rows differ.`;
}

export function sessionTotalsCheck(s: Sections): Check {
  const { with_failing_rows: holding, differing, top } = s.totals.sessions;
  if (holding === null || differing === null) {
    return {
      id: 'totals_by_session',
      title: 'Totals per session',
      status: 'skipped',
      summary: sessionsSentence(s.totals.sessions, s.sample !== null),
      offending_row_ids: [],
    };
  }
  return {
    id: 'totals_by_session',
    title: 'Totals per session',
    status: differing > 0 ? 'fail' : 'pass',
    summary:
      differing === 0
        ? sessionsSentence(s.totals.sessions, false)
        : `${n(differing)} of the ${plural(holding, 'session')} holding failing rows differ; largest: ${top
            .filter((t) => !t.agrees)
            .slice(0, 3)
            .map(
              (t) =>
                `${t.session ?? '(no interception)'} (reads ${signed(t.cache_read.difference)}, writes ${signed(t.cache_write.difference)})`,
            )
            .join(', ')}.`,
    offending_row_ids: [],
  };
}

export function anomaliesCheck(s: Sections, failOnAnomaly: boolean): Check {
  const { rows, by_class, samples } = s.anomalies;
  const classes = Object.entries(by_class)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
  return {
    id: 'anomalies',
    title: 'Metadata anomalies',
    status: rows === 0 ? 'pass' : failOnAnomaly ? 'fail' : 'warn',
    summary:
      rows === 0
        ? 'No malformed cache values in metadata.'
        : `${plural(rows, 'row')} with malformed cache values (${classes}); each such value counts as absent.${failOnAnomaly ? '' : ' Pass --fail-on-anomaly to fail on these.'}`,
    offending_row_ids: samples.map((a) => a.id),
  };
}

export function signed(value: number): string {
  return value > 0 ? `+${n(value)}` : n(value);
}

export function evaluateChecks(s: Sections, failOnAnomaly: boolean): Check[] {
  return [rowParityCheck(s), countParityCheck(s), providerTotalsCheck(s), sessionTotalsCheck(s), anomaliesCheck(s, failOnAnomaly)];
}

/**
 * The outcome. A sample that found a failing row fails like a full verify (the row is a fact);
 * one that found none is `sample`, exit 12, never a pass: it cannot show that no row fails.
 */
export function decideOutcome(
  checks: readonly Check[],
  columnsPresent: boolean,
  failOnAnomaly: boolean,
  sampled = false,
): Report['outcome'] {
  const failing = checks.filter((c) => c.status === 'fail').map((c) => c.id);
  if (!columnsPresent)
    return { status: 'before_up', exit_code: EXIT_CODES.preflight, failing_checks: failing, fail_on_anomaly: failOnAnomaly };
  if (failing.length > 0)
    return { status: 'fail', exit_code: EXIT_CODES.parityFailed, failing_checks: failing, fail_on_anomaly: failOnAnomaly };
  if (sampled) return { status: 'sample', exit_code: EXIT_CODES.sampleOnly, failing_checks: [], fail_on_anomaly: failOnAnomaly };
  return { status: 'pass', exit_code: EXIT_CODES.ok, failing_checks: [], fail_on_anomaly: failOnAnomaly };
}
