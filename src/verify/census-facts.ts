/**
 * The census's groups (scan/tally.ts) as verify's facts per provider and model: classes,
 * anomaly labels, the columns' and the rule's sums, what the application wrote, the old
 * dashboard's sums. Pure.
 */
import type { GroupFacts } from '../report/facts.js';
import { anomalyLabelsOf, legacyReadSum, rowKind, type CensusGroup } from '../scan/tally.js';
import { classOfFlags } from './parity-class.js';
import { allAnomalyLabels } from './queries.js';

function emptyGroup(g: Pick<CensusGroup, 'hasInterception' | 'provider' | 'model'>): GroupFacts {
  return {
    hasInterception: g.hasInterception,
    provider: g.hasInterception ? g.provider : null,
    model: g.hasInterception ? g.model : null,
    rows: 0,
    classes: { ok: 0, application_written: 0, pending: 0, conflict: 0 },
    rowsWithAnomalies: 0,
    anomalyLabels: Object.fromEntries(allAnomalyLabels().map((label) => [label, 0])),
    read: { columns: 0n, rule: 0n, applicationWritten: 0n, legacy: 0n },
    write: { columns: 0n, rule: 0n, applicationWritten: 0n, legacy: 0n },
    rowsWithInputCached: 0,
    rowsWithSeveralReadKeys: 0,
  };
}

/** One GroupFacts per provider and model (usage rows without an interception last). */
export function groupFacts(census: readonly CensusGroup[]): GroupFacts[] {
  const byGroup = new Map<string, GroupFacts>();
  for (const g of census) {
    const key = JSON.stringify([g.hasInterception, g.hasInterception ? g.provider : null, g.hasInterception ? g.model : null]);
    let facts = byGroup.get(key);
    if (!facts) byGroup.set(key, (facts = emptyGroup(g)));
    const kind = rowKind(g.bits);
    const cls = classOfFlags(kind);
    facts.rows += g.rows;
    facts.classes[cls] += g.rows;
    const labels = anomalyLabelsOf(kind);
    if (labels.length > 0) facts.rowsWithAnomalies += g.rows;
    for (const label of labels) facts.anomalyLabels[label] = (facts.anomalyLabels[label] ?? 0) + g.rows;
    // Application-written tokens: a column of an application_written row where the rule gives 0.
    const appWritten = cls === 'application_written';
    facts.read.columns += g.sums.column_read;
    facts.read.rule += g.sums.rule_read;
    facts.read.applicationWritten += appWritten && kind.ruleReadZero ? g.sums.column_read : 0n;
    facts.read.legacy += legacyReadSum(g, kind);
    facts.write.columns += g.sums.column_write;
    facts.write.rule += g.sums.rule_write;
    facts.write.applicationWritten += appWritten && kind.ruleWriteZero ? g.sums.column_write : 0n;
    // The old dashboard summed the rule's one write key (scan/census.ts checks it is so).
    facts.write.legacy += g.sums.rule_write;
    if (kind.ignoredReadKey) facts.rowsWithInputCached += g.rows;
    if (kind.severalReadKeys) facts.rowsWithSeveralReadKeys += g.rows;
  }
  const text = (v: string | null) => v ?? '';
  return [...byGroup.values()].sort(
    (a, b) =>
      Number(b.hasInterception) - Number(a.hasInterception) ||
      text(a.provider).localeCompare(text(b.provider), 'en') ||
      text(a.model).localeCompare(text(b.model), 'en'),
  );
}
