/**
 * The transactions the sampler saw over SLOW_MS (metrics/txn-sampler.ts), told as what their
 * backend was doing while they were open: a long stretch `idle in transaction` is the client's
 * time (a round trip, or its process stalled), a wait event is the server's (an I/O, a WAL
 * write, a lock), and `active` with none is the statement's own work. Pure.
 */
import type { Measurement } from '../measure.js';
import type { ContenderId } from '../options.js';
import type { Sighting } from '../metrics/txn-sampler.js';
import { formatMs } from './format.js';

/** Slow transactions shown per contender and round. */
const SHOWN = 3;

/** Consecutive sightings doing the same thing, as one stretch: `20–140 ms active; 160 ms active IO:WALSync`. */
export function describeSightings(sightings: readonly Sighting[]): string {
  const stretches: { from: number; to: number; doing: string }[] = [];
  for (const s of sightings) {
    const last = stretches.at(-1);
    if (last && last.doing === s.doing) last.to = s.ageMs;
    else stretches.push({ from: s.ageMs, to: s.ageMs, doing: s.doing });
  }
  return stretches.map((s) => `${s.from === s.to ? s.from : `${s.from}–${s.to}`} ms ${s.doing}`).join('; ');
}

/** One line per slow transaction of `ids`' rounds, longest first within a round. */
export function slowTransactionLines(measurements: readonly Measurement[], ids: readonly ContenderId[]): string[] {
  const out: string[] = [];
  for (const m of measurements) {
    if (!ids.includes(m.id)) continue;
    for (const t of (m.longestTransaction.slow ?? []).slice(0, SHOWN)) {
      out.push(
        `  (${m.id}) round ${m.round}: ${formatMs(t.ms)}${t.writing ? ', wrote' : ''} (${t.application}): ${describeSightings(t.sightings)}`,
      );
    }
  }
  return out;
}
