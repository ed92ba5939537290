import { describe, expect, it } from 'vitest';
import {
  INITIAL_WATCH,
  SLOT_REPORT_FLOOR_BYTES,
  watchSlots,
  watchStandbys,
  type ReplicaWatchState,
  type SlotSample,
  type StandbySample,
} from '../../../../src/backfill/policy/replica-watch.js';

const standby = (applicationName: string, slotName: string | null = null, visible = true): StandbySample => ({
  applicationName,
  slotName,
  visible,
});
const slot = (slotName: string, active: boolean, retainedBytes: number | null): SlotSample => ({
  slotName,
  slotType: 'physical',
  active,
  retainedBytes,
});
const MB = 1024 * 1024;

describe('watchStandbys', () => {
  it('warns once when a standby leaves, naming its slot and the WAL the slot keeps', () => {
    const first = watchStandbys(INITIAL_WATCH, [standby('replica1', 'replica1_slot'), standby('replica2')], null);
    expect(first.warnings).toEqual([]);
    const gone = watchStandbys(first.state, [standby('replica2')], [slot('replica1_slot', false, 3 * MB)]);
    expect(gone.warnings).toEqual([
      {
        code: 'standby_disconnected',
        message:
          'standby "replica1" disconnected (it left pg_stat_replication): its lag no longer holds the backfill back, and counts again once it reconnects; meanwhile its slot "replica1_slot" keeps on the primary the WAL it has not received (3.0 MB now)',
        standby: 'replica1',
        slotName: 'replica1_slot',
        retainedBytes: 3 * MB,
      },
    ]);
    expect(watchStandbys(gone.state, [standby('replica2')], null).warnings).toEqual([]);
    const noSlot = watchStandbys(gone.state, [], null);
    expect(noSlot.warnings.map((w) => w.message)).toEqual([
      'standby "replica2" disconnected (it left pg_stat_replication): its lag no longer holds the backfill back, and counts again once it reconnects',
    ]);
  });

  it('a standby that reconnects is watched again', () => {
    let state: ReplicaWatchState = watchStandbys(INITIAL_WATCH, [standby('r')], null).state;
    state = watchStandbys(state, [], null).state;
    state = watchStandbys(state, [standby('r')], null).state;
    expect(watchStandbys(state, [], null).warnings.map((w) => w.code)).toEqual(['standby_disconnected']);
  });

  it('lag this role may not see is reported once', () => {
    const first = watchStandbys(INITIAL_WATCH, [standby('hidden', null, false)], null);
    expect(first.warnings).toMatchObject([
      {
        code: 'replication_lag_not_visible',
        message:
          '1 standby connection(s) ("hidden") whose replication lag this role may not see: --max-replication-lag cannot act on them; grant the role pg_monitor (or pg_read_all_stats)',
      },
    ]);
    expect(watchStandbys(first.state, [standby('hidden', null, false)], null).warnings).toEqual([]);
  });
});

describe('watchSlots', () => {
  /** Feeds the looks in order; returns the retained bytes each warning named. */
  function warnedAt(looks: SlotSample[][]): (number | null)[][] {
    let state = INITIAL_WATCH;
    return looks.map((slots) => {
      const out = watchSlots(state, slots);
      state = out.state;
      return out.warnings.map((w) => w.retainedBytes);
    });
  }

  it.each<[string, SlotSample[][], (number | null)[][]]>([
    ['an active slot: nothing to say', [[slot('s', true, 50 * MB)]], [[]]],
    ['an inactive slot: reported when first seen', [[slot('s', false, 0)]], [[0]]],
    ['a slot that reserves no WAL: nothing to say', [[slot('s', false, null)]], [[]]],
    [
      'reported again each time the WAL it keeps doubles (counting from 16 MB)',
      [
        [slot('s', false, 1 * MB)],
        [slot('s', false, 20 * MB)],
        [slot('s', false, 40 * MB)],
        [slot('s', false, 79 * MB)],
        [slot('s', false, 80 * MB)],
      ],
      [[1 * MB], [], [40 * MB], [], [80 * MB]],
    ],
    [
      'active again, then inactive again: reported afresh',
      [[slot('s', false, 5 * MB)], [slot('s', true, 0)], [slot('s', false, 6 * MB)]],
      [[5 * MB], [], [6 * MB]],
    ],
  ])('%s', (_name, looks, expected) => {
    expect(warnedAt(looks)).toEqual(expected);
  });

  it('the warning names the slot, the WAL it keeps, and how to drop it', () => {
    expect(watchSlots(INITIAL_WATCH, [slot('replica1_slot', false, 2 * SLOT_REPORT_FLOOR_BYTES)]).warnings).toEqual([
      {
        code: 'inactive_replication_slot',
        message:
          "replication slot \"replica1_slot\" (physical) is inactive and retains 32.0 MB of WAL on the primary: the backfill's WAL accumulates there until its standby reconnects; if that standby is gone for good, drop the slot (SELECT pg_drop_replication_slot('replica1_slot')) before the primary's disk fills",
        standby: null,
        slotName: 'replica1_slot',
        retainedBytes: 2 * SLOT_REPORT_FLOOR_BYTES,
      },
    ]);
  });
});
