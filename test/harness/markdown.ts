/** Reading the project's Markdown for the docs tests: its files, fenced code blocks, links and heading anchors. */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** README.md, CONTRIBUTING.md and every Markdown file under docs/, relative to the root. */
export function documentationFiles(): string[] {
  const docs = fs.existsSync(path.join(ROOT, 'docs'))
    ? (fs.readdirSync(path.join(ROOT, 'docs'), { recursive: true }) as string[])
        .filter((file) => file.endsWith('.md'))
        .map((file) => path.join('docs', file))
    : [];
  return ['README.md', 'CONTRIBUTING.md', ...docs.sort()].filter((file) => fs.existsSync(path.join(ROOT, file)));
}

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  text: string;
}

export function codeBlocks(file: string): CodeBlock[] {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let open: { line: number; language: string; indent: number; body: string[] } | null = null;
  lines.forEach((line, n) => {
    const fence = /^(\s*)```(\S*)\s*$/.exec(line);
    if (!open && fence) open = { line: n + 1, language: fence[2]!.toLowerCase(), indent: fence[1]!.length, body: [] };
    else if (open && fence) {
      blocks.push({ file, line: open.line, language: open.language, text: open.body.join('\n') });
      open = null;
    } else if (open) open.body.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
  });
  return blocks;
}

/** The Markdown outside fenced code blocks (links in code are code). */
export function prose(file: string): string {
  const kept: string[] = [];
  let inFence = false;
  for (const line of fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    else if (!inFence) kept.push(line.replace(/`[^`]*`/g, ''));
  }
  return kept.join('\n');
}

/** Relative link targets: [text](target) and [text]: target, without web and mail links. */
export function relativeLinks(file: string): string[] {
  const text = prose(file);
  const targets = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs (repeats numbered as GitHub does). */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let inFence = false;
  for (const line of fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}
