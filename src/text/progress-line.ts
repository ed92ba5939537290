/**
 * A progress line: `[####......] 45% 450,000/~1,000,000 rows · part · part`, in the richest
 * form that fits a terminal row. Pure. Shared by every command that shows progress.
 */

export interface ProgressPart {
  text: string;
  /** Parts are dropped lowest rank first until the line fits. */
  rank: number;
}

export interface ProgressParts {
  done: number;
  /** The expected total (at least `done`). */
  total: number;
  /** The line's head after the percent, e.g. `450,000/~1,000,000 rows`. */
  head: string;
  /** The rest, in the order shown. */
  parts: ProgressPart[];
}

function percent(p: ProgressParts): number {
  return p.total > 0 ? Math.min(100, Math.floor((p.done * 100) / p.total)) : 100;
}

/** The line without the bar or colour: for plain logs. */
export function progressText(p: ProgressParts, parts: readonly ProgressPart[] = p.parts): string {
  return [`${percent(p)}% ${p.head}`, ...parts.map((part) => part.text)].join(' · ');
}

export function progressBar(p: ProgressParts, width = 24, text = progressText(p)): string {
  const filled = p.total > 0 ? Math.min(width, Math.round((p.done * width) / p.total)) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`;
}

/**
 * The live line for a terminal `columns` wide: the richest form that fits in one row, so that
 * `\r` + erase-line redraws it in place. A line that wraps leaves its first rows behind on every
 * redraw. The last column stays free: a character there puts some terminals into their
 * pending-wrap state.
 */
export function fitProgressLine(p: ProgressParts, columns: number | undefined): string {
  if (!columns || columns <= 0) return progressBar(p);
  const room = columns - 1;
  const byRank = [...p.parts].sort((a, b) => a.rank - b.rank);
  const texts = byRank.map((_, dropped) =>
    progressText(
      p,
      p.parts.filter((part) => !byRank.slice(0, dropped).includes(part)),
    ),
  );
  texts.push(progressText(p, []));
  for (const text of texts) {
    for (const width of [24, 16, 10]) {
      const line = progressBar(p, width, text);
      if (line.length <= room) return line;
    }
    if (text.length <= room) return text;
  }
  return texts[texts.length - 1]!.slice(0, Math.max(0, room));
}
