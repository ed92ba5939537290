import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, documentationFiles, relativeLinks, ROOT, slug } from '../harness/markdown.js';

describe('links in README.md, CONTRIBUTING.md and docs/', () => {
  it('finds the files', () => {
    expect(documentationFiles()).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md']));
  });

  it.each([
    [
      'Runbook: Coder does not start after the upgrade: migration 461 failed',
      'runbook-coder-does-not-start-after-the-upgrade-migration-461-failed',
    ],
    ['`status --check` and the gate', 'status---check-and-the-gate'],
    ['Exit codes', 'exit-codes'],
  ])('heading %j has the anchor GitHub gives it', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor);
  });

  it.each(documentationFiles())('every relative link in %s resolves: the file exists, the #anchor is a heading there', (file) => {
    const broken: string[] = [];
    for (const link of relativeLinks(file)) {
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const resolved = target === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), decodeURIComponent(target));
      if (!fs.existsSync(resolved)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!resolved.endsWith('.md')) broken.push(`${link}: an anchor into a file that is not Markdown`);
      else if (!anchors(path.relative(ROOT, resolved)).has(anchor)) broken.push(`${link}: no heading with that anchor`);
    }
    expect(broken).toEqual([]);
  });
});
