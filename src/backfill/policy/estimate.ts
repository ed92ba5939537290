/**
 * How many rows there are and how long the rest will take, refined as the run goes. Keys are
 * random (v4) UUIDs, spread uniformly over the key space, so the share of the key space behind
 * the cursor is a good estimate of the share of rows behind it.
 */

const KEY_DIGITS = 12;
const KEY_SPACE = 16 ** KEY_DIGITS;

/** Position of a UUID in the key space, in [0, 1). */
export function keyFraction(uuid: string): number {
  const hex = uuid.replaceAll('-', '').slice(0, KEY_DIGITS);
  if (!/^[0-9a-f]+$/i.test(hex) || hex.length < KEY_DIGITS) return 0;
  return Number.parseInt(hex, 16) / KEY_SPACE;
}

/** Below this share of the key space the catalog's estimate is trusted more than the sample. */
const MIN_FRACTION = 0.02;

/**
 * Total rows of the table. `catalogRows` is pg_class.reltuples (negative or 0 when never
 * analyzed); `done` rows lie at or before `fraction` of the key space.
 */
export function estimateTotalRows(input: { catalogRows: number; done: number; fraction: number }): number {
  const catalog = Math.max(0, Math.round(input.catalogRows));
  if (input.fraction >= MIN_FRACTION && input.done > 0) {
    return Math.max(input.done, Math.round(input.done / input.fraction));
  }
  return Math.max(catalog, input.done);
}

/** Milliseconds left at `rowsPerSecond`, or null while the rate is unknown. */
export function etaMs(remainingRows: number, rowsPerSecond: number): number | null {
  if (!(rowsPerSecond > 0)) return null;
  return Math.max(0, Math.round((Math.max(0, remainingRows) / rowsPerSecond) * 1000));
}
