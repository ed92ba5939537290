/**
 * One event as one JSON line: `{"event": …, "time": ISO 8601, …fields in snake_case}`. Keys
 * that are already snake_case (anomaly classes, counts by class) are kept as they are.
 */

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `value` with camelCase keys in snake_case and dates as ISO strings, as every JSON output spells them. */
export function toSnake(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toSnake);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [/^[a-z_]+$/.test(k) ? k : snake(k), toSnake(v)]));
  }
  return value;
}

export function jsonLine(event: { event: string }, time: Date): string {
  const { event: name, ...rest } = event;
  return JSON.stringify({ event: name, time: time.toISOString(), ...(toSnake(rest) as object) });
}
