/**
 * What the backfill tells an operator about standbys beyond pausing for their lag: one that
 * disconnected (it no longer holds the run back), a replication slot left inactive (the
 * primary keeps every WAL segment from its restart_lsn on, so the backfill's WAL piles up on
 * the primary's disk), and lag this role is not allowed to see. Pure: health.ts reads the
 * facts, gate.ts emits the warnings.
 */
import { formatBytes } from '../../text/format.js';

/** A row of pg_stat_replication, with the slot it streams from. */
export interface StandbySample {
  applicationName: string;
  /** The physical slot the standby streams from (primary_slot_name); null without one. */
  slotName: string | null;
  /** False when this role may not see the standby's details (state, LSNs and lags read NULL). */
  visible: boolean;
}

/** A replication slot on the primary. */
export interface SlotSample {
  slotName: string;
  slotType: string;
  /** A session (a standby's walsender) streams from it now. */
  active: boolean;
  /** pg_current_wal_lsn() − restart_lsn: WAL the primary keeps for it; null when it reserves none. */
  retainedBytes: number | null;
}

export type WarningCode = 'standby_disconnected' | 'inactive_replication_slot' | 'replication_lag_not_visible';

export interface ReplicaWarning {
  code: WarningCode;
  message: string;
  /** application_name of the standby concerned, when one is. */
  standby: string | null;
  slotName: string | null;
  retainedBytes: number | null;
}

export interface ReplicaWatchState {
  /** Standbys seen in the last sample, with the slot each streamed from. */
  standbys: ReadonlyMap<string, string | null>;
  /** Inactive slots already reported, with the retained WAL at that report. */
  reportedSlots: ReadonlyMap<string, number>;
  hiddenReported: boolean;
}

export const INITIAL_WATCH: ReplicaWatchState = { standbys: new Map(), reportedSlots: new Map(), hiddenReported: false };

/**
 * An inactive slot is reported again each time the WAL it retains has doubled since the last
 * report (counting from at least SLOT_REPORT_FLOOR_BYTES, so a slot found retaining next to
 * nothing is not reported at every look).
 */
export const SLOT_REPORT_GROWTH = 2;
export const SLOT_REPORT_FLOOR_BYTES = 16 * 1024 * 1024;

const warning = (code: WarningCode, message: string, fields: Partial<ReplicaWarning> = {}): ReplicaWarning => ({
  code,
  message,
  standby: null,
  slotName: null,
  retainedBytes: null,
  ...fields,
});

/** Standbys of the last sample that are not in this one. */
export function standbysLeft(state: ReplicaWatchState, standbys: readonly StandbySample[]): string[] {
  const now = new Set(standbys.map((s) => s.applicationName));
  return [...state.standbys.keys()].filter((name) => !now.has(name));
}

/**
 * Standbys that left since the last sample, and lag hidden from this role (reported once).
 * `slots`, when read in the same look, adds the WAL a departed standby's slot keeps.
 */
export function watchStandbys(
  state: ReplicaWatchState,
  standbys: readonly StandbySample[],
  slots: readonly SlotSample[] | null,
): { state: ReplicaWatchState; warnings: ReplicaWarning[] } {
  const warnings: ReplicaWarning[] = [];
  for (const name of standbysLeft(state, standbys)) {
    const slotName = state.standbys.get(name) ?? null;
    const retained = slots?.find((s) => s.slotName === slotName)?.retainedBytes ?? null;
    warnings.push(
      warning(
        'standby_disconnected',
        `standby ${JSON.stringify(name)} disconnected (it left pg_stat_replication): its lag no longer holds the backfill back, and counts again once it reconnects${
          slotName === null
            ? ''
            : `; meanwhile its slot ${JSON.stringify(slotName)} keeps on the primary the WAL it has not received${retained === null ? '' : ` (${formatBytes(retained)} now)`}`
        }`,
        { standby: name, slotName, retainedBytes: retained },
      ),
    );
  }
  const now = new Map(standbys.map((s) => [s.applicationName, s.slotName]));
  let hiddenReported = state.hiddenReported;
  const hidden = standbys.filter((s) => !s.visible);
  if (hidden.length > 0 && !hiddenReported) {
    hiddenReported = true;
    warnings.push(
      warning(
        'replication_lag_not_visible',
        `${hidden.length} standby connection(s) (${hidden.map((s) => JSON.stringify(s.applicationName)).join(', ')}) whose replication lag this role may not see: --max-replication-lag cannot act on them; grant the role pg_monitor (or pg_read_all_stats)`,
        { standby: hidden[0]!.applicationName },
      ),
    );
  }
  return { state: { ...state, standbys: now, hiddenReported }, warnings };
}

/** Inactive slots retaining WAL: reported when first seen, and again each time the retained WAL doubles. */
export function watchSlots(
  state: ReplicaWatchState,
  slots: readonly SlotSample[],
): { state: ReplicaWatchState; warnings: ReplicaWarning[] } {
  const warnings: ReplicaWarning[] = [];
  const reported = new Map<string, number>();
  for (const slot of slots) {
    if (slot.active || slot.retainedBytes === null) continue;
    const last = state.reportedSlots.get(slot.slotName);
    if (last !== undefined && slot.retainedBytes < Math.max(last, SLOT_REPORT_FLOOR_BYTES) * SLOT_REPORT_GROWTH) {
      reported.set(slot.slotName, last);
      continue;
    }
    reported.set(slot.slotName, slot.retainedBytes);
    // Slot names are lower-case letters, digits and underscores (PostgreSQL refuses others):
    // the statement in the message needs no quoting beyond the literal's quotes.
    warnings.push(
      warning(
        'inactive_replication_slot',
        `replication slot ${JSON.stringify(slot.slotName)} (${slot.slotType}) is inactive and retains ${formatBytes(slot.retainedBytes)} of WAL on the primary: the backfill's WAL accumulates there until its standby reconnects; if that standby is gone for good, drop the slot (SELECT pg_drop_replication_slot('${slot.slotName}')) before the primary's disk fills`,
        { slotName: slot.slotName, retainedBytes: slot.retainedBytes },
      ),
    );
  }
  // A slot that became active again (or was dropped) is forgotten: reported afresh if it goes inactive again.
  return { state: { ...state, reportedSlots: reported }, warnings };
}
