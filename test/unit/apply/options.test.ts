import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { applySchema, reportFormat, stageSettings, type ApplySettings } from '../../../src/apply/options.js';
import { backfillSchema } from '../../../src/backfill/options.js';
import { optionInfos } from '../../../src/config/fields.js';
import { statusOptionsSchema, upOptionsSchema } from '../../../src/migrate/options.js';
import { verifyOptionsSchema } from '../../../src/verify/options.js';
import { apiSettings } from '../../harness/settings.js';

const URL = 'postgres://u@db.example:5432/coder';
const settingsOf = async (raw: Record<string, unknown>) => (await apiSettings(applySchema, { databaseUrl: URL, ...raw })) as ApplySettings;

describe("apply's options are the stages' options", () => {
  it('every option of up, backfill, verify and status is an apply option (but what apply decides itself), with the same flag and variable', () => {
    const apply = new Map(optionInfos(applySchema.shape as never).map((o) => [o.key, o]));
    const stages = [
      { schema: upOptionsSchema, decided: ['dryRun'] },
      { schema: backfillSchema, decided: ['dryRun', 'reverse'] },
      // verify's --workers (its read sessions) is not the backfill's; a sample never gates.
      { schema: verifyOptionsSchema, decided: ['format', 'output', 'sample', 'workers'] },
      { schema: statusOptionsSchema, decided: ['check'] },
    ];
    for (const { schema, decided } of stages) {
      for (const option of optionInfos(schema.shape as never)) {
        if (decided.includes(option.key)) continue;
        expect(apply.get(option.key), option.key).toMatchObject({ flag: option.flag, env: option.env, flagOnly: option.flagOnly });
      }
    }
    expect([...apply.keys()].filter((k) => ['dryRun', 'report', 'reportFormat'].includes(k)).sort()).toEqual([
      'dryRun',
      'report',
      'reportFormat',
    ]);
  });

  it('each stage gets exactly what its own command would parse from the same input', async () => {
    const raw = { batchSize: '500', pauseMs: '20ms', lockRetries: 3, maxSamples: 5, schema: 'app', workers: 2, restart: true };
    const stages = stageSettings(await settingsOf(raw));
    const pick = (schema: { shape: object }) => Object.fromEntries(Object.entries(raw).filter(([k]) => k in schema.shape));
    const alone = async <S extends z.ZodObject>(schema: S) => apiSettings(schema, { databaseUrl: URL, ...pick(schema) });
    expect(stages.backfill).toEqual(await alone(backfillSchema));
    expect(stages.up).toEqual(await alone(upOptionsSchema));
    expect(stages.verify).toEqual(await alone(verifyOptionsSchema));
    expect(stages.status).toEqual({ ...(await alone(statusOptionsSchema)), check: true });
    expect(stages.backfill).toMatchObject({ dryRun: false, reverse: false });
  });

  it('--lock-timeout: given, it sets up and backfill alike; absent, each keeps its own default', async () => {
    expect(stageSettings(await settingsOf({})).up.lockTimeoutMs).toBe(2000);
    expect(stageSettings(await settingsOf({})).backfill.lockTimeoutMs).toBe(5000);
    const both = stageSettings(await settingsOf({ lockTimeout: '3s' }));
    expect([both.up.lockTimeoutMs, both.backfill.lockTimeoutMs, both.status.lockTimeoutMs]).toEqual([3000, 3000, 3000]);
  });

  it('a duration only one stage takes reaches it in milliseconds, under its …Ms name', async () => {
    const stages = stageSettings(await settingsOf({ statementTimeout: '2s', lockRetryDelay: '250ms', metricsLinger: '1m' }));
    expect([stages.backfill.statementTimeoutMs, stages.up.lockRetryDelayMs, stages.backfill.metricsLingerMs]).toEqual([2000, 250, 60_000]);
    expect(stages.backfill).not.toHaveProperty('statementTimeout');
  });

  it('a value one stage refuses is reported with the setting, its source and the stage', async () => {
    await expect(settingsOf({ lockTimeout: '2h' })).rejects.toThrowError(
      /Setting 'lock-timeout' \(options.lockTimeout\): for up: must be between 10 ms and 600000 ms/,
    );
    await expect(settingsOf({ batchSizeMin: 900, batchSizeMax: 100 })).rejects.toThrowError(
      /Setting 'batch-size-min' \(options.batchSizeMin\): must not exceed --batch-size-max \(100\)/,
    );
    await expect(settingsOf({ reverse: true })).rejects.toThrowError(/Setting 'reverse' \(options.reverse\): is not an option here/);
  });

  it.each([
    ['apply.xml', undefined, 'junit'],
    ['summary.md', undefined, 'markdown'],
    ['apply.json', undefined, 'json'],
    ['/dev/stdout', 'markdown', 'markdown'],
  ] as const)('--report %s --report-format %s → %s', async (report, format, expected) => {
    expect(reportFormat(await settingsOf({ report, ...(format ? { reportFormat: format } : {}) }))).toBe(expected);
  });

  it('a report file whose format cannot be told is refused before anything runs', async () => {
    await expect(settingsOf({ report: 'apply.txt' })).rejects.toThrowError(/cannot tell the format from "apply.txt"/);
  });
});
