import { describe, expect, it } from 'vitest';
import { coderUpCheck, refusalError } from '../../../src/coder/check.js';
import { coderNumbers } from '../../../src/coder/constants.js';
import { decideDown, decideUp, describeCoder } from '../../../src/coder/decide.js';
import type { CoderFacts, CoderTable } from '../../../src/coder/state.js';

const upstream = coderNumbers();

function facts(table: CoderTable, more: Partial<Omit<CoderFacts, 'table'>> = {}): CoderFacts {
  return { schema: 'public', handedOver: null, columnsPresent: false, readCommitted: true, ...more, table };
}

function coderAt(version: number | null, more: { dirty?: boolean; rows?: number; canWrite?: boolean } = {}): CoderTable {
  return {
    kind: 'present',
    version,
    dirty: more.dirty ?? false,
    rows: more.rows ?? (version === null ? 0 : 1),
    canWrite: more.canWrite ?? true,
  };
}

describe("up: what Coder's version allows", () => {
  it.each<[string, CoderFacts, string, string?]>([
    ['no Coder table', facts({ kind: 'absent' }), 'standalone'],
    ["another tool's schema_migrations", facts({ kind: 'other-shape', columns: 'version text not null' }), 'standalone'],
    ['a Coder server migrating right now', facts({ kind: 'migrating', holders: ['pid 7'] }), 'wait'],
    ['Coder at 460, clean', facts(coderAt(460)), 'hand_over'],
    [
      'Coder at 460, columns already there (identical ones are accepted by the migration)',
      facts(coderAt(460), { columnsPresent: true }),
      'hand_over',
    ],
    ['Coder at 461 (its own migration)', facts(coderAt(461), { columnsPresent: true }), 'coder_owns'],
    ['Coder at 470', facts(coderAt(470), { columnsPresent: true }), 'coder_owns'],
    ['Coder at 459', facts(coderAt(459)), 'refuse', 'too_early'],
    ['Coder at 455', facts(coderAt(455)), 'refuse', 'too_early'],
    ['an empty Coder table', facts(coderAt(null)), 'refuse', 'no_version'],
    ['Coder dirty at 460', facts(coderAt(460, { dirty: true })), 'refuse', 'dirty'],
    ['Coder dirty at 461', facts(coderAt(461, { dirty: true }), { columnsPresent: true }), 'refuse', 'dirty'],
    ['two rows', facts(coderAt(460, { rows: 2 })), 'refuse', 'many_rows'],
    ['unreadable', facts({ kind: 'unreadable' }), 'refuse', 'unreadable'],
    ['460 but no TRUNCATE/INSERT privilege', facts(coderAt(460, { canWrite: false })), 'refuse', 'cannot_write'],
    ['461 without the columns', facts(coderAt(461)), 'refuse', 'columns_missing'],
    ['a session that is not READ COMMITTED', facts(coderAt(460), { readCommitted: false }), 'refuse', 'isolation'],
  ])('%s → %s %s', (_name, input, action, reason) => {
    const decision = decideUp(input, upstream);
    expect(decision.action).toBe(action);
    if (decision.action === 'refuse') expect(decision.refusal.reason).toBe(reason);
  });

  it('hands over 461 from 460; a renumbered fork (--coder-migration 1461) from 1460', () => {
    expect(decideUp(facts(coderAt(460)), upstream)).toEqual({ action: 'hand_over', from: 460, to: 461 });
    expect(decideUp(facts(coderAt(1460)), coderNumbers(1461))).toEqual({ action: 'hand_over', from: 1460, to: 1461 });
    expect(decideUp(facts(coderAt(460)), coderNumbers(1461))).toMatchObject({ action: 'refuse', refusal: { reason: 'too_early' } });
  });

  it('too early: says what breaks (42701 at the next upgrade) and what to do (Coder to 460 first)', () => {
    const decision = decideUp(facts(coderAt(455)), upstream);
    if (decision.action !== 'refuse') throw new Error('expected a refusal');
    expect(decision.refusal.kind).toBe('preflight');
    expect(decision.refusal.problem).toBe(
      'Coder is at migration 455, older than 460 (the last one before the cache token columns). Adding the columns now would make the next Coder upgrade fail: its migration 461 adds the same columns without IF NOT EXISTS (SQLSTATE 42701, column already exists), and the Coder server would not start.',
    );
    expect(decision.refusal.fix).toContain('Upgrade Coder to the release whose newest migration is 460');
    expect(refusalError(decision.refusal).exitCode).toBe(5);
  });

  it('dirty: names the version and says Coder is repaired first', () => {
    const decision = decideUp(facts(coderAt(460, { dirty: true })), upstream);
    if (decision.action !== 'refuse') throw new Error('expected a refusal');
    expect(decision.refusal.problem).toContain("Coder's migration 460 is marked dirty in public.schema_migrations");
    expect(decision.refusal.fix).toMatch(/^Coder's own repair comes first/);
  });

  it("becomes up's preflight line only when Coder is there", () => {
    expect(coderUpCheck({ action: 'standalone' }, null)).toBeUndefined();
    expect(coderUpCheck({ action: 'hand_over', from: 460, to: 461 }, 460)).toMatchObject({
      ok: true,
      detail: expect.stringContaining("Coder's migration 461 is recorded as applied"),
    });
    expect(coderUpCheck(decideUp(facts(coderAt(460, { canWrite: false })), upstream), 460)).toMatchObject({
      ok: false,
      kind: 'permission',
    });
    expect(coderUpCheck(decideUp(facts(coderAt(459)), upstream), 459)).toMatchObject({ ok: false, kind: 'preflight' });
  });
});

describe('down of the columns: who owns them', () => {
  const handedOver = { columnsPresent: true, handedOver: 461 };
  it.each<[string, CoderFacts, string, string?, number?]>([
    ['no Coder table', facts({ kind: 'absent' }), 'standalone'],
    ['handed over, Coder still at 461', facts(coderAt(461), handedOver), 'hand_back'],
    ["Coder's own 461", facts(coderAt(461), { columnsPresent: true }), 'refuse', 'coder_owns'],
    ['handed over, Coder since at 462', facts(coderAt(462), handedOver), 'refuse', 'coder_past'],
    ["Coder's own, at 470", facts(coderAt(470), { columnsPresent: true }), 'refuse', 'coder_past'],
    ['Coder at 460 (never recorded 461)', facts(coderAt(460), { columnsPresent: true }), 'not_coders'],
    ['Coder moved back to 460 by hand after a hand-over', facts(coderAt(460), handedOver), 'not_coders'],
    ['an empty Coder table', facts(coderAt(null), { columnsPresent: true }), 'not_coders'],
    ['Coder dirty at 461', facts(coderAt(461, { dirty: true }), handedOver), 'refuse', 'dirty'],
    ['handed over, no TRUNCATE/INSERT privilege', facts(coderAt(461, { canWrite: false }), handedOver), 'refuse', 'cannot_write'],
    ['record of 461 but --coder-migration 470', facts(coderAt(461), handedOver), 'refuse', 'record_mismatch', 470],
    ['a Coder server migrating right now', facts({ kind: 'migrating', holders: [] }), 'wait'],
  ])('%s → %s %s', (_name, input, action, reason, migration) => {
    const decision = decideDown(input, coderNumbers(migration));
    expect(decision.action).toBe(action);
    if (decision.action === 'refuse') expect(decision.refusal.reason).toBe(reason);
  });

  it('hands 461 back to 460', () => {
    expect(decideDown(facts(coderAt(461), handedOver), upstream)).toEqual({ action: 'hand_back', from: 461, to: 460 });
  });

  it('Coder refusals exit 6 and say that --force-drop-data does not override them', () => {
    for (const input of [facts(coderAt(462), handedOver), facts(coderAt(461), { columnsPresent: true })]) {
      const decision = decideDown(input, upstream);
      if (decision.action !== 'refuse') throw new Error('expected a refusal');
      const error = refusalError(decision.refusal);
      expect(error.exitCode).toBe(6);
      expect(error.message).toMatch(/^down refused: /);
      expect(error.hint).toContain('--force-drop-data does not override this');
    }
  });
});

describe("status's account", () => {
  it.each<[string, CoderFacts, boolean, RegExp, number]>([
    ['standalone', facts({ kind: 'absent' }), false, /^Coder not detected \(no public\.schema_migrations\): standalone mode/, 0],
    [
      'before up, Coder at 460',
      facts(coderAt(460)),
      false,
      /^Coder at migration 460 \(clean\): up adds the columns and records Coder's migration 461 as applied/,
      0,
    ],
    [
      'before up, Coder at 455',
      facts(coderAt(455)),
      false,
      /^Coder at migration 455 \(clean\): up refuses: Coder is at migration 455, older than 460/,
      0,
    ],
    [
      'after a hand-over',
      facts(coderAt(461), { columnsPresent: true, handedOver: 461 }),
      true,
      /handed Coder's migration 461 over .* down of the columns hands it back \(Coder back to 460\)$/,
      0,
    ],
    [
      "Coder's own 461",
      facts(coderAt(461), { columnsPresent: true }),
      true,
      /Coder applied its migration 461 itself, the columns are Coder's; backfill and verify audit them/,
      0,
    ],
    [
      'past 461',
      facts(coderAt(462), { columnsPresent: true, handedOver: 461 }),
      true,
      /past its migration 461, the columns are Coder's; down of the columns is refused$/,
      0,
    ],
    [
      'columns added without recording 461 (an older toolkit)',
      facts(coderAt(460), { columnsPresent: true }),
      true,
      /Coder has not recorded its migration 461, yet the cache token columns exist$/,
      1,
    ],
    ['dirty', facts(coderAt(460, { dirty: true })), false, /^Coder at migration 460 \(dirty\): up and down refuse: /, 0],
    [
      'migrating',
      facts({ kind: 'migrating', holders: ['pid 9'] }),
      false,
      /^a Coder server is applying its migrations right now \(pid 9\)/,
      0,
    ],
  ])('%s', (_name, input, columnsApplied, summary, warnings) => {
    const account = describeCoder(input, upstream, columnsApplied);
    expect(account.summary).toMatch(summary);
    expect(account.warnings).toHaveLength(warnings);
  });

  it('warns that the next Coder upgrade fails with 42701 when the columns exist without 461 recorded', () => {
    const [warning] = describeCoder(facts(coderAt(460), { columnsPresent: true }), upstream, true).warnings;
    expect(warning).toMatch(/^the next Coder upgrade will fail with SQLSTATE 42701/);
  });
});
