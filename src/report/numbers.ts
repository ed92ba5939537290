/** Number formatting shared by the human-readable renderers. */
export function num(value: number): string {
  return value.toLocaleString('en-US');
}

export function signedNum(value: number): string {
  return value > 0 ? `+${num(value)}` : num(value);
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function groupLabel(provider: string | null, model: string | null): string {
  return provider === null ? '(no interception)' : `${provider} / ${model ?? '?'}`;
}
