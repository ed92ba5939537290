/**
 * The whole table as the sum of its chunks' censuses (census.ts), and what a row's `bits` say.
 * Pure: chunks are added in any order (several sessions finish them in any order) and the sum
 * is the same.
 */
import type { DbRow } from '../db/row.js';
import { ruleKeys, type AnomalyClass } from '../rule/index.js';
import { ANOMALY_CODES } from '../rule/sql.js';
import { BITS, CENSUS_SUMS, type CensusSum } from './census.js';

/** Rows of one provider, model and kind, with their sums. */
export interface CensusGroup {
  hasInterception: boolean;
  provider: string | null;
  model: string | null;
  bits: number;
  rows: number;
  /** Rows created after the instant the census was asked about (0 when it was not). */
  createdAfter: number;
  sums: Record<CensusSum, bigint>;
}

/** Where one chunk's interceptions lay (page moments), for interceptions.ts. */
export interface SpreadMoments {
  rows: number;
  sum: number;
  squares: number;
}

/** One chunk's census as returned by PostgreSQL. */
export function readCensus(rows: readonly DbRow[]): { groups: CensusGroup[]; spread: SpreadMoments } {
  const spread: SpreadMoments = { rows: 0, sum: 0, squares: 0 };
  const groups = rows.map((row) => {
    spread.rows += Number(row.spread_rows ?? 0);
    spread.sum += Number(row.spread_sum ?? 0);
    spread.squares += Number(row.spread_squares ?? 0);
    return {
      hasInterception: row.has_interception === true,
      provider: row.provider ?? null,
      model: row.model ?? null,
      bits: Number(row.bits),
      rows: Number(row.rows),
      createdAfter: Number(row.created_after ?? 0),
      sums: Object.fromEntries(CENSUS_SUMS.map((s) => [s, BigInt(String(row[s] ?? '0'))])) as Record<CensusSum, bigint>,
    };
  });
  return { groups, spread };
}

/** The sum of censuses, one entry per provider, model and kind. */
export class Tally {
  private readonly byKey = new Map<string, CensusGroup>();

  add(groups: readonly CensusGroup[]): void {
    for (const g of groups) {
      const key = JSON.stringify([g.hasInterception, g.provider, g.model, g.bits]);
      const into = this.byKey.get(key);
      if (!into) {
        this.byKey.set(key, { ...g, sums: { ...g.sums } });
        continue;
      }
      into.rows += g.rows;
      into.createdAfter += g.createdAfter;
      for (const s of CENSUS_SUMS) into.sums[s] += g.sums[s];
    }
  }

  groups(): CensusGroup[] {
    return [...this.byKey.values()];
  }

  rows(): number {
    let n = 0;
    for (const g of this.byKey.values()) n += g.rows;
    return n;
  }
}

/** What kind of document a row holds. */
export type DocumentKind = 'object' | 'null' | 'not_an_object';

/** Everything `bits` packs, by name. */
export interface RowKind {
  columnsZero: boolean;
  readEqual: boolean;
  writeEqual: boolean;
  ruleReadZero: boolean;
  ruleWriteZero: boolean;
  document: DocumentKind;
  /** A read key the old dashboard ignored carries a value or an anomaly. */
  ignoredReadKey: boolean;
  severalReadKeys: boolean;
  /** Per rule key (ruleKeys() order), the anomaly class of its value, or null. */
  keyAnomalies: (Exclude<AnomalyClass, 'not_an_object'> | null)[];
}

/** A key's code in `bits` is its judgement's anomaly code negated (rule/sql.ts). */
const CLASS_BY_CODE: (Exclude<AnomalyClass, 'not_an_object'> | null)[] = [null, null, null, null, null];
for (const [cls, code] of Object.entries(ANOMALY_CODES)) CLASS_BY_CODE[-code] = cls as Exclude<AnomalyClass, 'not_an_object'>;
const KEY_COUNT = ruleKeys().length;

export function rowKind(bits: number): RowKind {
  const has = (bit: number) => (bits & bit) !== 0;
  return {
    columnsZero: has(BITS.columnsZero),
    readEqual: has(BITS.readEqual),
    writeEqual: has(BITS.writeEqual),
    ruleReadZero: has(BITS.ruleReadZero),
    ruleWriteZero: has(BITS.ruleWriteZero),
    document: has(BITS.notAnObject) ? 'not_an_object' : has(BITS.nullMetadata) ? 'null' : 'object',
    ignoredReadKey: has(BITS.ignoredReadKey),
    severalReadKeys: has(BITS.severalReadKeys),
    keyAnomalies: Array.from({ length: KEY_COUNT }, (_, n) => CLASS_BY_CODE[(bits >>> (BITS.keyCodesShift + 3 * n)) & 7] ?? null),
  };
}

/** The anomaly labels (`class:key`, `not_an_object:$`) a row of this kind carries. */
export function anomalyLabelsOf(kind: RowKind): string[] {
  if (kind.document === 'not_an_object') return ['not_an_object:$'];
  const keys = ruleKeys();
  return kind.keyAnomalies.flatMap((cls, n) => (cls === null ? [] : [`${cls}:${keys[n]}`]));
}

/**
 * The old dashboard's read sum for a group (census.ts, CENSUS_SUMS): its own terms for rows
 * with several read keys, else the rule's value — or nothing, when the one key is one it ignored.
 */
export function legacyReadSum(group: CensusGroup, kind: RowKind = rowKind(group.bits)): bigint {
  if (kind.severalReadKeys) return group.sums.legacy_read_0 + group.sums.legacy_read_1;
  return kind.ignoredReadKey ? 0n : group.sums.rule_read;
}
