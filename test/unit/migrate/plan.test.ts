import { describe, expect, it } from 'vitest';
import { planDown, planMigrations } from '../../../src/migrate/plan.js';

const A = { name: '001_a', description: 'a' };
const B = { name: '002_b', description: 'b' };
const C = { name: '003_c', description: 'c' };

describe('planMigrations', () => {
  it.each([
    ['nothing applied', [A, B], [], { pending: ['001_a', '002_b'], applied: [], unknownApplied: [], ordered: true }],
    ['some applied', [A, B], ['001_a'], { pending: ['002_b'], applied: ['001_a'], unknownApplied: [], ordered: true }],
    ['all applied', [A, B], ['001_a', '002_b'], { pending: [], applied: ['001_a', '002_b'], unknownApplied: [], ordered: true }],
    [
      'a gap before an applied one',
      [A, B, C],
      ['001_a', '003_c'],
      { pending: ['002_b'], applied: ['001_a', '003_c'], unknownApplied: [], ordered: false },
    ],
    ['applied by a newer version', [A], ['001_a', '002_b'], { pending: [], applied: ['001_a'], unknownApplied: ['002_b'], ordered: true }],
  ] as const)('%s', (_name, available, applied, expected) => {
    const plan = planMigrations(available, applied);
    expect(plan.pending.map((m) => m.name)).toEqual(expected.pending);
    expect(plan.applied.map((m) => m.name)).toEqual(expected.applied);
    expect(plan.unknownApplied).toEqual(expected.unknownApplied);
    expect(plan.orderProblem === undefined).toBe(expected.ordered);
  });

  it('names both migrations when the order is broken', () => {
    expect(planMigrations([A, B, C], ['001_a', '003_c']).orderProblem).toBe(
      'migration 002_b is not applied but sorts before 003_c, which is; this toolkit applies migrations strictly in order',
    );
  });
});

describe('planDown', () => {
  it.each([
    [[], { kind: 'nothing' }],
    [['001_a'], { kind: 'revert', migration: A }],
    [['001_a', '002_b'], { kind: 'revert', migration: B }],
    [['001_a', '009_gone'], { kind: 'unknown', name: '009_gone' }],
  ] as const)('applied %j → %j', (applied, expected) => {
    expect(planDown([A, B], applied)).toEqual(expected);
  });
});
