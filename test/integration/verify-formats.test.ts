/**
 * Every output format from one real report, and the command line end to end (exit codes,
 * stdout carrying only the report, --output).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport, reportSchema, verify, type Report } from '../../src/verify/index.js';
import { generateDataset } from '../../fixtures/generator.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';

const CONFLICT_ID = 'd0000000-0000-0000-0000-0000000000c1';
const HOSTILE_SESSION = '<img src=x onerror=alert(1)>|`x`';
const HOSTILE_MODEL = '<script>alert("m")</script>';

/** Tags open and close in order (a well-formedness check without an XML library). */
function tagsBalance(xml: string): boolean {
  const stack: string[] = [];
  for (const match of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

describe('report formats', () => {
  let db: TestDatabase;
  let report: Report;
  beforeAll(async () => {
    db = await createTestDatabase();
    await applyToolkitMigrations(db.url);
    await generateDataset(db.pool, { rows: 600, seed: 9 });
    await db.query(
      `INSERT INTO aibridge_interceptions (id, initiator_id, provider, model, started_at, client_session_id)
       VALUES ('10000000-0000-0000-0000-0000000000aa', gen_random_uuid(), 'openai', $1, now(), $2)`,
      [HOSTILE_MODEL, HOSTILE_SESSION],
    );
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens)
       VALUES ($1, '10000000-0000-0000-0000-0000000000aa', 'r', 1, 1, '{"prompt_cached": 80, "input_cached": "<b>"}', now(), 95)`,
      [CONFLICT_ID],
    );
    report = (await verify({ databaseUrl: db.url, maxSamples: 3 })).report;
  });
  afterAll(() => db.drop());

  it('json: the model itself, valid against the schema', () => {
    const parsed = JSON.parse(renderReport(report, 'json'));
    expect(reportSchema.parse(parsed)).toEqual(report);
  });

  it('text: a compact summary naming the offending rows, coloured only when asked', () => {
    const plain = renderReport(report, 'text');
    expect(plain).toMatch(/parity FAILS \(exit 1\)/);
    expect(plain).toContain(CONFLICT_ID);
    expect(plain).not.toContain('\u001b[');
    expect(renderReport(report, 'text', { color: true })).toContain('\u001b[31m');
    expect(plain.split('\n').length).toBeLessThan(60);
  });

  it('markdown: a check table and the offending rows, with data escaped', () => {
    const md = renderReport(report, 'markdown');
    expect(md).toMatch(/^## aibridge-migrate verify: ❌ parity fails/);
    expect(md).toContain('| Check | Status | Summary |');
    expect(md).toContain(`\`${CONFLICT_ID}\``);
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<img');
  });

  it('junit: one test case per check, failing checks as failures that name the rows', () => {
    const xml = renderReport(report, 'junit');
    expect(tagsBalance(xml)).toBe(true);
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    const failures = report.checks.filter((c) => c.status === 'fail').length;
    expect(failures).toBeGreaterThan(0);
    expect(xml.match(/<failure /g)).toHaveLength(failures);
    expect(xml).toContain(`<testsuite name="aibridge-migrate verify" tests="5" failures="${failures}"`);
    expect(xml).toMatch(new RegExp(`<failure type="[^"]*conflict[^"]*"[^>]*>[^<]*${CONFLICT_ID}`));
    expect(xml).not.toContain('<img');
  });

  it('html: one self-contained page with three kinds of chart, everything escaped', () => {
    const html = renderReport(report, 'html');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(/i);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(4);
    for (const caption of ['Rows by parity class', 'Cache-read tokens per provider and model', 'Metadata anomalies'])
      expect(html).toContain(caption);
    expect(html).toContain('&lt;script&gt;alert(&quot;m&quot;)&lt;/script&gt;');
    expect(html).toContain(CONFLICT_ID);
    expect(tagsBalance(html.replace(/<!DOCTYPE html>/, '').replace(/<(meta|br)\b[^>]*>/g, ''))).toBe(true);
  });
});

describe('aibridge-migrate verify (command line)', () => {
  let db: TestDatabase;
  let dir: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync('npx', ['tsx', 'src/cli/main.ts', 'verify', ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: db.url, ...env },
      timeout: 60_000,
    });
  beforeAll(async () => {
    db = await createTestDatabase();
    await applyToolkitMigrations(db.url);
    await generateDataset(db.pool, { rows: 300, seed: 4 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-cli-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('exits 1 with pending rows; --format json prints clean JSON on stdout and logs on stderr', () => {
    const run = cli(['--format', 'json', '--max-samples', '2']);
    expect(run.status).toBe(1);
    const parsed = reportSchema.parse(JSON.parse(run.stdout));
    expect(parsed.row_parity.samples.pending).toHaveLength(2);
    expect(run.stderr).toMatch(/parity fails \(row_parity.*rows: [0-9a-f-]{36}/);
  });

  it('writes --output and exits 0 once parity holds', async () => {
    const { compileRuleSql } = await import('../../src/rule/index.js');
    const rule = compileRuleSql('metadata');
    await db.query(
      `UPDATE aibridge_token_usages SET cache_read_input_tokens = ${rule.cacheRead}, cache_write_input_tokens = ${rule.cacheWrite}`,
    );
    const file = path.join(dir, 'verify.xml');
    const run = cli(['--format', 'junit', '--output', file]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toContain('failures="0"');
    expect(run.stderr).toContain(`junit report written to ${file}`);
  });

  it('exits 2 for a bad option, 3 when the server cannot be reached', () => {
    const bad = cli(['--format', 'pdf']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/format/);
    const unreachable = cli([], { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' });
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).not.toContain('secret');
  });
});
