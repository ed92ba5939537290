/**
 * The recipes behave as documented: every YAML and shell block parses, none runs the tool
 * through a shell wrapper (a shell as PID 1 neither handles nor forwards SIGTERM), every flag
 * and AIBRIDGE_MIGRATE_* variable they use exists, and each names a supported Node LTS or the
 * single executable.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { CONFIG_ENV } from '../../src/config/resolve.js';
import { codeBlocks, documentationFiles, ROOT, type CodeBlock } from '../harness/markdown.js';

const RECIPES = fs
  .readdirSync(path.join(ROOT, 'docs', 'recipes'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => path.join('docs', 'recipes', f));
const BLOCKS = documentationFiles().flatMap(codeBlocks);
const YAML = BLOCKS.filter((b) => b.language === 'yaml' || b.language === 'yml');
const SHELL = BLOCKS.filter((b) => ['sh', 'bash', 'shell'].includes(b.language));
const where = (b: CodeBlock) => `${b.file}:${b.line}`;

/** The tool as a command: the package's bin, the single executable, or the bundle under node. */
const TOOL = /(?:^|[\s"'/[])(?:npx[ \t]+)?(?:aibridge-migrate(?:-linux-x64)?|node[ \t]+\S*aibridge-migrate\.mjs)[ \t]+([a-z]+)([^\n]*)/g;

function flagsOf(rest: string): string[] {
  return [...rest.replace(/#.*$/, '').matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!).filter((f) => !f.startsWith('no-'));
}

const COMMAND_FLAGS = new Map(COMMANDS.map((c) => [c.name, new Set([...c.options.map((o) => o.flag), 'config', 'help'])]));
const ENV_NAMES = new Set([...COMMANDS.flatMap((c) => c.options.map((o) => o.env)), CONFIG_ENV]);

describe('the recipes', () => {
  it('are there: GitHub Actions, GitLab CI, a Kubernetes Job, a plain shell', () => {
    expect(RECIPES.map((f) => path.basename(f)).sort()).toEqual(['github-actions.md', 'gitlab-ci.md', 'kubernetes.md', 'shell.md']);
  });

  it.each(RECIPES)('%s names a supported Node LTS or the single executable, never Node 20', (file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    expect(/aibridge-migrate-linux-x64|Node 2[24]|node-version: 2[24]|node:2[24]/.test(text)).toBe(true);
    expect(text).not.toMatch(/node-version:\s*20|node:20\b|Node 20\b/);
  });

  it.each(YAML.map((b) => [where(b), b] as const))('YAML at %s parses', (_, block) => {
    const documents = parseAllDocuments(block.text);
    expect(documents.flatMap((d) => d.errors.map((e) => e.message))).toEqual([]);
  });

  it.each(SHELL.map((b) => [where(b), b] as const))('shell at %s passes bash -n', (_, block) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'recipe-')), 'block.sh');
    fs.writeFileSync(file, block.text);
    const checked = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });

  it('no block runs anything through sh -c or bash -c', () => {
    const wrapped = [...YAML, ...SHELL].filter((b) => /\b(?:ba|da)?sh["',\s\]]+-c\b/.test(b.text)).map(where);
    expect(wrapped).toEqual([]);
    // The YAML form: a container's command that is a shell.
    for (const block of YAML) {
      for (const document of parseAllDocuments(block.text)) {
        const text = JSON.stringify(document.toJS());
        expect(text, where(block)).not.toMatch(/"command":\["(?:\/bin\/)?(?:ba)?sh"/);
      }
    }
  });

  it('every aibridge-migrate command, flag and AIBRIDGE_MIGRATE_* variable they use exists', () => {
    const problems: string[] = [];
    let invocations = 0;
    for (const block of [...YAML, ...SHELL]) {
      for (const [, command, rest] of block.text.matchAll(TOOL)) {
        const known = COMMAND_FLAGS.get(command!);
        if (!known) {
          problems.push(`${where(block)}: unknown command ${command}`);
          continue;
        }
        invocations++;
        for (const flag of flagsOf(rest!)) if (!known.has(flag)) problems.push(`${where(block)}: ${command} has no --${flag}`);
      }
      // Kubernetes: the image's entrypoint is the tool, `args` its command line.
      for (const document of YAML.includes(block) ? parseAllDocuments(block.text) : []) {
        const visit = (node: unknown): void => {
          if (Array.isArray(node)) return node.forEach(visit);
          if (!node || typeof node !== 'object') return;
          const container = node as { image?: unknown; args?: unknown };
          if (typeof container.image === 'string' && container.image.includes('aibridge-migrate') && Array.isArray(container.args)) {
            const [command, ...rest] = container.args as string[];
            invocations++;
            const known = COMMAND_FLAGS.get(command!);
            if (!known) problems.push(`${where(block)}: args start with ${command}, not a command`);
            else
              for (const flag of flagsOf(rest.join(' ')))
                if (!known.has(flag)) problems.push(`${where(block)}: ${command} has no --${flag}`);
          }
          Object.values(node).forEach(visit);
        };
        visit(document.toJS());
      }
      for (const [name] of block.text.matchAll(/\bAIBRIDGE_MIGRATE_[A-Z_]+\b/g)) {
        if (!ENV_NAMES.has(name)) problems.push(`${where(block)}: ${name} is not an option's variable (the CLI refuses it, exit 2)`);
      }
    }
    expect(problems).toEqual([]);
    expect(invocations).toBeGreaterThan(5);
  });
});
