/** Human units for the text table. Pure. */

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  const mib = bytes / (1024 * 1024);
  if (Math.abs(mib) >= 1) return `${mib >= 100 ? mib.toFixed(0) : mib.toFixed(1)} MB`;
  const kib = bytes / 1024;
  return `${kib.toFixed(kib >= 100 ? 0 : 1)} kB`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}

export function formatRatio(value: number | null): string {
  if (value === null) return '—';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(value < 0.1 ? 3 : 2)}×`;
}

export function formatPercent(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(0)}%`;
}

export function formatCount(n: number | null): string {
  if (n === null) return '—';
  return n.toLocaleString('en-US');
}

export function formatRate(perSecond: number | null): string {
  if (perSecond === null) return '—';
  if (perSecond >= 1_000_000) return `${(perSecond / 1_000_000).toFixed(2)}M`;
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(0)}k`;
  return perSecond.toFixed(0);
}

/** Left column left-aligned, the rest right-aligned, columns two spaces apart. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
