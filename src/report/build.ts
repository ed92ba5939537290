/**
 * Builds the report model from what verify measured, adding the judgement (checks and
 * outcome). Pure: no I/O, no clock.
 */
import { ANOMALY_CLASSES } from '../rule/definition.js';
import { EXIT_CODES } from '../errors.js';
import { decideOutcome, evaluateChecks } from './checks.js';
import type { ColumnSums, GroupFacts, SessionFacts, VerificationFacts } from './facts.js';
import { REPORT_SCHEMA_VERSION, type ColumnTotals, type ProviderModelTotals, type Report, type SessionTotals } from './model.js';

export interface BuildOptions {
  failOnAnomaly?: boolean;
}

/** Converts exact sums to JSON numbers, noting any that cannot be represented exactly. */
class Numbers {
  readonly warnings = new Set<string>();
  of(value: bigint, what: string): number {
    const result = Number(value);
    if (!Number.isSafeInteger(result)) this.warnings.add(`${what} (${value}) exceeds 2^53 and is rounded in this report`);
    return result;
  }
}

type Side = Pick<ColumnSums, 'columns' | 'rule' | 'applicationWritten'>;

/** What the columns hold beyond the application's own writes and the rule: 0 when parity holds. */
const difference = (s: Side) => s.columns - s.applicationWritten - s.rule;
const agrees = (read: Side, write: Side) => difference(read) === 0n && difference(write) === 0n;

function columnTotals(sums: ColumnSums, nums: Numbers, what: string): ColumnTotals {
  const after = sums.rule + sums.applicationWritten;
  return {
    columns: nums.of(sums.columns, `${what} column sum`),
    rule: nums.of(sums.rule, `${what} rule sum`),
    application_written: nums.of(sums.applicationWritten, `${what} application-written sum`),
    difference: nums.of(difference(sums), `${what} difference`),
    legacy_dashboard: nums.of(sums.legacy, `${what} legacy dashboard sum`),
    dashboard_after: nums.of(after, `${what} dashboard total`),
    dashboard_change: nums.of(after - sums.legacy, `${what} dashboard change`),
  };
}

const fmt = (value: bigint) => value.toLocaleString('en-US');

/** Why the dashboard's totals move when it switches from metadata to the columns. */
export function dashboardChangeReasons(group: GroupFacts): string[] {
  const reasons: string[] = [];
  const readMoves = group.read.rule + group.read.applicationWritten !== group.read.legacy;
  const writeMoves = group.write.rule + group.write.applicationWritten !== group.write.legacy;
  if (readMoves && group.rowsWithInputCached > 0) {
    reasons.push(
      `${group.rowsWithInputCached.toLocaleString('en-US')} rows carry input_cached (OpenAI Responses), which the old dashboard ignored`,
    );
  }
  if (readMoves && group.rowsWithSeveralReadKeys > 0) {
    reasons.push(
      `${group.rowsWithSeveralReadKeys.toLocaleString('en-US')} rows carry more than one cache-read key: the old dashboard added them, the rule takes the largest`,
    );
  }
  if (group.read.applicationWritten > 0n) {
    reasons.push(
      `${fmt(group.read.applicationWritten)} cache-read tokens were written to the columns by the application and are not in the metadata`,
    );
  }
  if (writeMoves && group.write.applicationWritten > 0n) {
    reasons.push(
      `${fmt(group.write.applicationWritten)} cache-write tokens were written to the columns by the application and are not in the metadata`,
    );
  }
  return reasons;
}

function addSums(a: ColumnSums, b: ColumnSums): ColumnSums {
  return {
    columns: a.columns + b.columns,
    rule: a.rule + b.rule,
    applicationWritten: a.applicationWritten + b.applicationWritten,
    legacy: a.legacy + b.legacy,
  };
}

const ZERO_SUMS: ColumnSums = { columns: 0n, rule: 0n, applicationWritten: 0n, legacy: 0n };

/** The whole table as one group: the sum of the per-provider/model groups. */
export function totalGroup(groups: readonly GroupFacts[]): GroupFacts {
  const all: GroupFacts = {
    hasInterception: true,
    provider: null,
    model: null,
    rows: 0,
    classes: { ok: 0, application_written: 0, pending: 0, conflict: 0 },
    rowsWithAnomalies: 0,
    anomalyLabels: {},
    read: ZERO_SUMS,
    write: ZERO_SUMS,
    rowsWithInputCached: 0,
    rowsWithSeveralReadKeys: 0,
  };
  for (const g of groups) {
    all.rows += g.rows;
    for (const key of Object.keys(all.classes) as (keyof typeof all.classes)[]) all.classes[key] += g.classes[key];
    all.rowsWithAnomalies += g.rowsWithAnomalies;
    for (const [label, rows] of Object.entries(g.anomalyLabels)) all.anomalyLabels[label] = (all.anomalyLabels[label] ?? 0) + rows;
    all.read = addSums(all.read, g.read);
    all.write = addSums(all.write, g.write);
    all.rowsWithInputCached += g.rowsWithInputCached;
    all.rowsWithSeveralReadKeys += g.rowsWithSeveralReadKeys;
  }
  return all;
}

function groupTotals(group: GroupFacts, nums: Numbers, label: string): ProviderModelTotals {
  const read = columnTotals(group.read, nums, `${label} cache-read`);
  const write = columnTotals(group.write, nums, `${label} cache-write`);
  return {
    provider: group.hasInterception ? group.provider : null,
    model: group.hasInterception ? group.model : null,
    rows: group.rows,
    classes: { ...group.classes },
    rows_with_anomalies: group.rowsWithAnomalies,
    cache_read: read,
    cache_write: write,
    rows_with_input_cached: group.rowsWithInputCached,
    rows_with_several_read_keys: group.rowsWithSeveralReadKeys,
    agrees: agrees(group.read, group.write),
    dashboard_change_reasons: dashboardChangeReasons(group),
  };
}

function sessionTotals(session: SessionFacts, nums: Numbers): SessionTotals {
  const side = (s: Side, what: string) => ({
    columns: nums.of(s.columns, what),
    rule: nums.of(s.rule, what),
    application_written: nums.of(s.applicationWritten, what),
    difference: nums.of(difference(s), what),
  });
  return {
    session: session.session,
    rows: session.rows,
    cache_read: side(session.read, `session ${session.session} cache-read`),
    cache_write: side(session.write, `session ${session.session} cache-write`),
    agrees: agrees(session.read, session.write),
  };
}

function splitLabel(label: string): { class: string; key: string | null } {
  const at = label.indexOf(':');
  const key = label.slice(at + 1);
  return { class: label.slice(0, at), key: key === '$' ? null : key };
}

/** Anomalous rows per class and per class and key, most rows first. */
function anomalyCounts(all: GroupFacts): Pick<Report['anomalies'], 'by_class' | 'by_key'> {
  const byClass: Record<string, number> = Object.fromEntries(ANOMALY_CLASSES.map((c) => [c, 0]));
  const byKey: Report['anomalies']['by_key'] = [];
  for (const [label, rows] of Object.entries(all.anomalyLabels)) {
    if (rows === 0) continue;
    const { class: cls, key } = splitLabel(label);
    // A row may have the same class under two keys: by_class counts such a row per key.
    byClass[cls] = (byClass[cls] ?? 0) + rows;
    byKey.push({ class: cls, key, rows });
  }
  byKey.sort((a, b) => b.rows - a.rows || a.class.localeCompare(b.class) || String(a.key).localeCompare(String(b.key)));
  return { by_class: byClass, by_key: byKey };
}

/** The latest backfill run against the rows counted now; null without one. */
function ledgerRun(facts: VerificationFacts): Report['count_parity']['ledger_run'] {
  if (facts.ledger.state !== 'present') return null;
  const run = facts.ledger.run;
  const unexplained =
    run.tableRowsAtStart === null || run.rowsCreatedSinceStart === null || facts.rowsInTable === null
      ? null
      : facts.rowsInTable - run.tableRowsAtStart - run.rowsCreatedSinceStart;
  return {
    run_id: run.runId,
    status: run.status,
    rule_fingerprint: run.ruleFingerprint,
    rule_fingerprint_matches: run.ruleFingerprint === facts.ruleFingerprint,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt?.toISOString() ?? null,
    table_rows_at_start: run.tableRowsAtStart,
    max_created_at_at_start: run.maxCreatedAtAtStart?.toISOString() ?? null,
    rows_scanned: run.rowsScanned,
    rows_updated: run.rowsUpdated,
    rows_application_written: run.rowsApplicationWritten,
    rows_now: facts.rowsInTable,
    rows_created_since_start: run.rowsCreatedSinceStart,
    rows_unexplained: unexplained,
  };
}

const bySampleId = <T extends { id: string }>(samples: readonly T[]) => [...samples].sort((a, b) => a.id.localeCompare(b.id));

/** The report's measured sections, in the order it shows them. */
function sectionsOf(facts: VerificationFacts, all: GroupFacts, nums: Numbers) {
  return {
    snapshot: {
      isolation: 'repeatable read, read only' as const,
      taken_at: facts.snapshotAt.toISOString(),
      columns_present: facts.columnsPresent,
    },
    row_parity: {
      rows: all.rows,
      classes: all.classes,
      max_samples: facts.maxSamples,
      samples: { pending: bySampleId(facts.samples.pending), conflict: bySampleId(facts.samples.conflict) },
    },
    count_parity: { rows_in_table: facts.rowsInTable, rows_classified: all.rows, ledger: facts.ledger.state, ledger_run: ledgerRun(facts) },
    totals: {
      by_provider_model: facts.groups.map((g) => groupTotals(g, nums, g.hasInterception ? `${g.provider}/${g.model}` : 'no-interception')),
      all: groupTotals(all, nums, 'total'),
      sessions: {
        with_failing_rows: facts.sessions.withFailingRows,
        differing: facts.sessions.differing,
        top_n: facts.topSessions,
        top: facts.sessions.top.map((s) => sessionTotals(s, nums)),
      },
    },
    anomalies: { rows: all.rowsWithAnomalies, ...anomalyCounts(all), samples: bySampleId(facts.anomalySamples) },
  };
}

/** What a reader must know before the figures: a preview before `up`, a sample, rounded sums. */
function warningsOf(facts: VerificationFacts, nums: Numbers): string[] {
  const warnings = [...nums.warnings];
  if (facts.sample) {
    warnings.unshift(
      `A sample of ~${facts.sample.percent}% of the table's pages (${facts.sample.rows_sampled.toLocaleString('en-US')} rows): every count and total in this report is over the rows sampled; whole-table figures are estimates (sample.estimates). It is not a verification and never passes (exit ${EXIT_CODES.sampleOnly} when it finds no failing row): gate on verify without --sample.`,
    );
  }
  if (!facts.columnsPresent) {
    warnings.unshift(
      'The cache columns do not exist yet (run `aibridge-migrate up`): columns were read as 0, so this report previews what the backfill will change.',
    );
  }
  return warnings;
}

export function buildReport(facts: VerificationFacts, options: BuildOptions = {}): Report {
  const nums = new Numbers();
  const failOnAnomaly = options.failOnAnomaly ?? false;
  const sections = sectionsOf(facts, totalGroup(facts.groups), nums);
  const checks = evaluateChecks({ ...sections, sample: facts.sample }, failOnAnomaly);
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    kind: 'verify',
    generated_at: facts.generatedAt.toISOString(),
    tool: { name: 'aibridge-migrate', rule_fingerprint: facts.ruleFingerprint },
    target: { database: facts.database, schema: facts.schema, table: facts.table, server_version_num: facts.serverVersionNum },
    scan: facts.scan,
    outcome: decideOutcome(checks, facts.columnsPresent, failOnAnomaly, facts.sample !== null),
    checks,
    ...sections,
    sample: facts.sample,
    warnings: warningsOf(facts, nums),
  };
}
