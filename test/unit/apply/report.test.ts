import { describe, expect, it } from 'vitest';
import { applyJson, applyText } from '../../../src/apply/render.js';
import { applyJunit, applyMarkdown } from '../../../src/apply/report.js';
import type { ApplyResult } from '../../../src/apply/result.js';
import { InterruptedError, PreflightError } from '../../../src/errors.js';

const notRun = { status: 'not_run' as const, durationMs: null, summary: 'not run' };

function stoppedAtUp(): ApplyResult {
  const error = new PreflightError('preflight failed: Coder is at migration 459, older than 460 <&>', {
    hint: 'Upgrade Coder to the release whose newest migration is 460 first.',
  });
  return {
    command: 'apply',
    dryRun: false,
    database: 'db:5432/coder',
    exitCode: error.exitCode,
    error,
    stages: [
      { stage: 'up', status: 'failed', durationMs: 120, summary: error.message, pending: ['a', 'b'], result: null },
      { stage: 'backfill', ...notRun, result: null },
      { stage: 'verify', ...notRun, report: null },
      { stage: 'check', ...notRun, readiness: null },
    ],
    coderBefore: null,
    elapsedMs: 130,
  };
}

describe("apply's report of a stage that stopped", () => {
  it('JUnit: the failing stage is a failure with the error code, message and hint; the rest are skipped', () => {
    const xml = applyJunit(stoppedAtUp());
    expect(xml).toContain('<testsuites name="aibridge-migrate apply" tests="4" failures="1" errors="0" skipped="3"');
    expect(xml).toMatch(
      /<testcase classname="aibridge-migrate.apply" name="up" time="0.120">\s*<failure type="PREFLIGHT" message="preflight failed: Coder is at migration 459, older than 460 &lt;&amp;&gt;">[^<]*hint: Upgrade Coder/,
    );
    expect(xml.match(/<skipped message="not run"\/>/g)).toHaveLength(3);
    expect(xml).toContain('<property name="exit_code" value="5"/>');
  });

  it('Markdown: the stages as a table, then the error and its hint', () => {
    const md = applyMarkdown(stoppedAtUp());
    expect(md).toMatch(/^## aibridge-migrate apply: ❌ exit 5 \(error\)/);
    expect(md).toContain('| up | ❌ failed | 0.1 s | preflight failed: Coder is at migration 459, older than 460 \\<&\\> |');
    expect(md).toContain('| backfill | ➖ not run |  | not run |');
    expect(md).toContain('Upgrade Coder to the release whose newest migration is 460 first.');
  });

  it('JSON: status error, the error document’s error object, every stage', () => {
    const doc = applyJson(stoppedAtUp());
    expect(doc).toMatchObject({ status: 'error', command: 'apply', exit_code: 5, error: { code: 'PREFLIGHT', exit_code: 5 } });
    expect(doc.stages.map((s) => [s.stage, s.status])).toEqual([
      ['up', 'failed'],
      ['backfill', 'not_run'],
      ['verify', 'not_run'],
      ['check', 'not_run'],
    ]);
  });

  it('an interruption is status interrupted, exit 143', () => {
    const error = new InterruptedError('SIGTERM', 'apply on db stopped by SIGTERM during backfill');
    const result: ApplyResult = { ...stoppedAtUp(), exitCode: error.exitCode, error };
    expect(applyJson(result)).toMatchObject({ status: 'interrupted', exit_code: 143 });
    expect(applyText(result)).toMatch(/apply: exit 143 \(interrupted\)$/);
  });
});
