import { describe, expect, it } from 'vitest';
import { describeSightings } from '../../../../bench/report/stalls.js';

describe('describeSightings', () => {
  it.each([
    { name: 'nothing seen', sightings: [], told: '' },
    { name: 'one sighting', sightings: [{ ageMs: 20, doing: 'active' }], told: '20 ms active' },
    {
      name: 'a statement that waited on the WAL, then the client’s turn',
      sightings: [
        { ageMs: 21, doing: 'active' },
        { ageMs: 42, doing: 'active' },
        { ageMs: 63, doing: 'active LWLock:WALWrite' },
        { ageMs: 84, doing: 'active LWLock:WALWrite' },
        { ageMs: 105, doing: 'idle in transaction' },
      ],
      told: '21–42 ms active; 63–84 ms active LWLock:WALWrite; 105 ms idle in transaction',
    },
    {
      name: 'the same doing again after another is a new stretch',
      sightings: [
        { ageMs: 20, doing: 'active' },
        { ageMs: 40, doing: 'idle in transaction' },
        { ageMs: 60, doing: 'active' },
      ],
      told: '20 ms active; 40 ms idle in transaction; 60 ms active',
    },
  ])('$name', ({ sightings, told }) => {
    expect(describeSightings(sightings)).toBe(told);
  });
});
