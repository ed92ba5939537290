/**
 * apply's settings are the settings of the stages it runs, under their own names: its option
 * schema is derived from the schemas of `up`, `backfill`, `verify` and `status` (minus what apply
 * decides itself), plus its own few. Nothing is declared twice, so a new backfill option is an
 * apply option the day it is added.
 *
 * An option two stages spell alike with different rules (`--lock-timeout`: the ALTER's lock wait
 * for `up`, 2s by default; a batch's row-lock wait for `backfill`, 5s) is one apply option: given,
 * it sets both, each judged by its own stage's rule; absent, each stage keeps its own default —
 * as a config file shared by the separate commands already behaves.
 */
import { z } from 'zod';
import { backfillSchema, type BackfillConfig } from '../backfill/options.js';
import type { Connected, Parsed } from '../config/common.js';
import { filePath, flag, inMs, oneOf, optionInfo, type OptionMeta } from '../config/fields.js';
import { statusOptionsSchema, upOptionsSchema, type StatusSettings, type UpSettings } from '../migrate/options.js';
import { verifyOptionsSchema, type VerifyConfig } from '../verify/options.js';

export const APPLY_REPORT_FORMATS = ['junit', 'markdown', 'json'] as const;
export type ApplyReportFormat = (typeof APPLY_REPORT_FORMATS)[number];

/** The report format a file name implies: .xml, .md / .markdown, .json. */
export function reportFormatOf(file: string): ApplyReportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(file)?.[1]?.toLowerCase();
  if (ext === 'xml') return 'junit';
  if (ext === 'md' || ext === 'markdown') return 'markdown';
  if (ext === 'json') return 'json';
  return undefined;
}

/** Each stage's schema, and what apply decides itself instead of taking it as an option. */
const STAGES = {
  up: { schema: upOptionsSchema, decided: ['dryRun'] },
  // apply converges forward; `--reverse` belongs to the way down (backfill --reverse, down).
  backfill: { schema: backfillSchema, decided: ['dryRun', 'reverse'] },
  // One report for the whole stage (--report) replaces verify's own --format / --output. The gate
  // reads every row (a sample never passes), and --workers is the backfill's: verify reads with
  // its default sessions.
  verify: { schema: verifyOptionsSchema, decided: ['format', 'output', 'sample', 'workers'] },
  status: { schema: statusOptionsSchema, decided: ['check'] },
} as const;

type StageName = keyof typeof STAGES;
const STAGE_NAMES = Object.keys(STAGES) as StageName[];

function stageShape(stage: StageName): Record<string, z.ZodType> {
  const { schema, decided } = STAGES[stage];
  const shape = { ...(schema.shape as Record<string, z.ZodType>) };
  for (const key of decided) delete shape[key];
  return shape;
}

const APPLY = 'Apply:';

const ownShape = {
  dryRun: flag().prefault(false).meta({
    describe: 'show the whole plan (migrations pending, what Coder gets, rows the backfill would change) and change nothing',
    group: APPLY,
  }),
  allowPending: flag().prefault(false).meta({
    describe:
      'for the stage before the application upgrade: rows the old release writes behind the backfill (pending in verify, eligible at the gate) do not fail the stage when nothing else does; the next apply catches them',
    group: APPLY,
  }),
  report: filePath().optional().meta({
    describe: 'write one report of the whole stage to this file: JUnit (.xml), Markdown (.md) or JSON (.json)',
    defaultText: 'none',
    group: APPLY,
  }),
  reportFormat: oneOf(APPLY_REPORT_FORMATS)
    .optional()
    .meta({ describe: `the report's format: ${APPLY_REPORT_FORMATS.join(', ')}`, defaultText: "from --report's extension", group: APPLY }),
};

/** Where an option comes from: the stages that take it (in order), and whether they agree on its rule. */
interface Provenance {
  stages: StageName[];
  fields: z.ZodType[];
}

function provenance(): Map<string, Provenance> {
  const found = new Map<string, Provenance>();
  for (const stage of STAGE_NAMES) {
    for (const [key, field] of Object.entries(stageShape(stage))) {
      const entry = found.get(key) ?? { stages: [], fields: [] };
      entry.stages.push(stage);
      entry.fields.push(field);
      found.set(key, entry);
    }
  }
  return found;
}

/**
 * One option for stages that spell it alike with different rules: any value passes here and
 * is judged by each stage's own field (applySchema's refinement); --help says what each means.
 */
function mergedField(key: string, entry: Provenance): z.ZodType {
  const infos = entry.fields.map((field) => optionInfo(key, field));
  const byText = (pick: (i: (typeof infos)[number]) => string | undefined) => {
    const texts = new Map<string, StageName[]>();
    infos.forEach((info, n) => {
      const text = pick(info);
      if (text !== undefined) texts.set(text, [...(texts.get(text) ?? []), entry.stages[n]!]);
    });
    if (texts.size <= 1) return [...texts.keys()][0];
    return [...texts].map(([text, stages]) => `${text} (${stages.join(', ')})`).join('; ');
  };
  const meta: OptionMeta = {
    describe: byText((i) => i.describe) ?? '',
    group: infos[0]!.group,
    flagOnly: infos.some((i) => i.flagOnly),
    boolean: infos.every((i) => i.boolean),
  };
  const defaultText = byText((i) => i.defaultText);
  if (defaultText !== undefined) meta.defaultText = defaultText;
  return z
    .unknown()
    .optional()
    .meta({ ...meta });
}

function isMerged(entry: Provenance): boolean {
  return entry.fields.some((field) => field !== entry.fields[0]);
}

const PROVENANCE = provenance();

function applyShape(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, entry] of PROVENANCE) shape[key] = isMerged(entry) ? mergedField(key, entry) : entry.fields[0]!;
  return { ...shape, ...ownShape };
}

const APPLY_SHAPE = applyShape();

/**
 * The values one stage's schema takes, picked from apply's values: as zod parsed them (keyed by
 * option), or as resolved (`resolved`: a duration apply judged itself under its `…Ms` name, a
 * merged option, still raw, under its own).
 */
function valuesFor(stage: StageName, values: Record<string, unknown>, resolved = false): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(stageShape(stage))) {
    const value = values[resolved ? optionInfo(key, APPLY_SHAPE[key]!).setting : key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}

export const applySchema = z
  .object(APPLY_SHAPE)
  .strict()
  .superRefine((value, ctx) => {
    // The options the stages share pass apply's own fields unchanged (a parsed value parses
    // again to itself); what only a stage can judge — a merged option, a stage's cross-field
    // rule such as --batch-size-min ≤ --batch-size-max — is judged here, by that stage.
    const seen = new Set<string>();
    for (const stage of STAGE_NAMES) {
      const parsed = STAGES[stage].schema.safeParse(valuesFor(stage, value));
      if (parsed.success) continue;
      for (const issue of parsed.error.issues) {
        const key = issue.path[0];
        const label = `${typeof key === 'string' ? key : ''}: ${issue.message}`;
        if (seen.has(label)) continue;
        seen.add(label);
        const merged = typeof key === 'string' && PROVENANCE.get(key) !== undefined && isMerged(PROVENANCE.get(key)!);
        ctx.addIssue({ code: 'custom', path: issue.path, message: merged ? `for ${stage}: ${issue.message}` : issue.message });
      }
    }
    const { report, reportFormat } = value as { report?: string; reportFormat?: ApplyReportFormat };
    if (report !== undefined && reportFormat === undefined && reportFormatOf(report) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['report'],
        message: `cannot tell the format from ${JSON.stringify(report)}: name it .xml (JUnit), .md (Markdown) or .json, or pass --report-format`,
      });
    }
  });

/** apply's own settings; the stages' settings are derived from the same values (stageSettings). */
export interface ApplyOwnOptions {
  dryRun: boolean;
  allowPending: boolean;
  report?: string;
  reportFormat?: ApplyReportFormat;
  json: boolean;
  debug: boolean;
}

export type ApplySettings = Connected<ApplyOwnOptions & Record<string, unknown>>;

export interface StageSettings {
  up: UpSettings;
  backfill: BackfillConfig;
  verify: VerifyConfig;
  status: StatusSettings;
}

/** Each stage's settings, parsed by the stage's own schema from apply's values (a parsed value parses again to itself). */
export function stageSettings(settings: ApplySettings): StageSettings {
  const parse = <S extends z.ZodObject>(stage: StageName, schema: S): Connected<Parsed<S>> => ({
    ...inMs(schema.shape as Record<string, z.ZodType>, schema.parse(valuesFor(stage, settings, true)) as z.output<S>),
    connection: settings.connection,
  });
  return {
    up: parse('up', upOptionsSchema),
    backfill: parse('backfill', backfillSchema),
    verify: parse('verify', verifyOptionsSchema),
    status: { ...parse('status', statusOptionsSchema), check: true },
  };
}

/** The report's format: --report-format, else the file's extension (the schema made sure one says). */
export function reportFormat(settings: Pick<ApplyOwnOptions, 'report' | 'reportFormat'>): ApplyReportFormat | null {
  if (settings.report === undefined) return null;
  return settings.reportFormat ?? reportFormatOf(settings.report) ?? 'junit';
}
