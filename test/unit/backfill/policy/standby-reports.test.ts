import { describe, expect, it } from 'vitest';
import { NO_REPORTS, trackReports, type StandbyReport } from '../../../../src/backfill/policy/standby-reports.js';

const report = (replyTime: string | null, flush: number | null, replay: number | null, pid = 7): StandbyReport => ({
  pid,
  replyTime,
  flushPosition: flush,
  replayPosition: replay,
});

/** Feeds the looks in order; returns whether the standby (pid 7) kept up at each. */
function keepsUpAt(looks: StandbyReport[][]): boolean[] {
  let memory = NO_REPORTS;
  return looks.map((reports) => {
    const out = trackReports(memory, reports);
    memory = out.memory;
    return out.keepsUp.has(7);
  });
}

describe('trackReports: does a standby keep up from one status report to the next', () => {
  it.each<[string, StandbyReport[][], boolean[]]>([
    ['one report is not enough to tell', [[report('t1', 100, 90)]], [false]],
    [
      'a quiet primary: each report shows the newest write unreplayed, but everything from the report before replayed',
      [[report('t1', 100, 90)], [report('t2', 120, 100)], [report('t3', 150, 120)]],
      [false, true, true],
    ],
    [
      'the same report seen again (no new report between two looks): the answer stands',
      [[report('t1', 100, 90)], [report('t2', 120, 100)], [report('t2', 120, 100)]],
      [false, true, true],
    ],
    [
      'replay paused: it receives (flush grows) and replays nothing',
      [[report('t1', 100, 100)], [report('t2', 200, 100)], [report('t3', 300, 100)], [report('t4', 300, 100)]],
      [false, true, false, false],
    ],
    [
      'replay resumed after a pause: at its next report it has replayed what it had received',
      [[report('t1', 200, 100)], [report('t2', 300, 100)], [report('t3', 310, 300)]],
      [false, false, true],
    ],
    [
      'a standby slower than the primary writes: it replays less than it had received a report ago',
      [[report('t1', 1_000, 500)], [report('t2', 2_000, 900)], [report('t3', 3_000, 1_800)]],
      [false, false, false],
    ],
    [
      'positions not visible to this role: never counts as keeping up',
      [[report(null, null, null)], [report(null, null, null)]],
      [false, false],
    ],
  ])('%s', (_name, looks, expected) => {
    expect(keepsUpAt(looks)).toEqual(expected);
  });

  it('standbys are told apart by their walsender pid, and one that reconnects starts over', () => {
    let { memory } = trackReports(NO_REPORTS, [report('t1', 100, 90, 1), report('t1', 100, 10, 2)]);
    const second = trackReports(memory, [report('t2', 120, 100, 1), report('t2', 120, 20, 2)]);
    expect([...second.keepsUp]).toEqual([1]);
    memory = second.memory;
    // pid 1 disconnected and came back as pid 3: nothing is known about the new connection yet.
    const third = trackReports(memory, [report('t3', 130, 130, 3)]);
    expect([...third.keepsUp]).toEqual([]);
    expect([...third.memory.keys()]).toEqual([3]);
  });
});
