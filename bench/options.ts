/**
 * `npm run bench -- [options]`: the command line, parsed into settings. Pure: no I/O, so
 * every rejection is tested and reported at once, naming the option and the fix.
 */
import { parseArgs } from 'node:util';
import { DATASET_SHAPES, type DatasetShape } from '../fixtures/generator.js';
import { REGIME_IDS, type RegimeId } from './regimes.js';
import { parseServerSettings } from './server-settings.js';

/** (a) upstream, (b) toolkit up+backfill, (c) set-based floor, (d) re-run, (e) verify, (f) dry-run. */
export const CONTENDER_IDS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
export type ContenderId = (typeof CONTENDER_IDS)[number];

export interface BenchOptions {
  rows: number;
  seed: number;
  /** Row shape of the generated data (fixtures/generator.ts). */
  dataset: DatasetShape;
  /** PostgreSQL major of the embedded server. */
  major: number;
  contenders: ContenderId[];
  /** Times the contenders run alone, side by side, order alternated (report/rounds.ts). */
  rounds: number;
  /** Server regimes to run the rounds in, one report each (regimes.ts). */
  regimes: RegimeId[];
  /** Run the writer-under-load phase ((a) and (b) with a concurrent writer). */
  load: boolean;
  /** Writer statements per second. */
  writerRate: number;
  /** Writer-only window before each loaded contender: the idle baseline. */
  idleSeconds: number;
  outDir: string;
  /** Rebuild dist/ before running the CLI contenders, so they measure the current source. */
  build: boolean;
  /** Use an existing server (superuser URL) instead of starting an embedded one. */
  serverUrl: string | undefined;
  /** shared_buffers of the embedded server, e.g. `1GB`. */
  sharedBuffers: string;
  /** Attach a streaming standby and report its replay lag (bench/replica.ts). */
  replica: boolean;
  /** Extra settings of the embedded server (--server-setting, server-settings.ts). */
  serverSettings: Record<string, string>;
  /** Extra arguments of (b)'s `backfill`, after the regime's own (--backfill-arg). */
  backfillArgs: string[];
}

export const USAGE = `Usage: npm run bench -- [options]

  --rows N            token-usage rows to generate (default 1000000)
  --seed N            generator seed (default 42)
  --dataset SHAPE     wide (default: every key each provider writes, ~260 B a row) or narrow
                      (2–3 small keys or {}, 10% NULL metadata, ~160 B a row: per-row CPU shows)
  --major N           PostgreSQL major of the embedded server (default 15)
  --only a,b,c,d,e,f  contenders to run (default all); (d) and (e) need (b)
  --rounds N          run the contenders alone N times (default 1), a c b in odd rounds and
                      b c a in even ones; ratios are taken within a round, reported as the
                      median and the spread (a shared machine drifts between runs)
  --regime LIST       server regimes, each with its own rounds and report (default: default):
                      default (no checkpoint in a run), checkpoint-dense (~10 checkpoints in an
                      upstream pass), throttled (the toolkit at 5000 rows/s, checkpoints every
                      30 s); \`all\` for the three. The load phase and (f) run in the first only.
  --no-load           skip the writer-under-load phase
  --writer-rate N     writer statements per second under load (default 50)
  --idle-seconds N    writer-only baseline before each loaded run (default 10)
  --out DIR           where results go (default bench/results)
  --shared-buffers S  shared_buffers of the embedded server (default 1GB; PostgreSQL's own
                      default is 128MB — whether the table fits changes every figure)
  --server-setting S  an extra setting of the embedded server as name=value, e.g.
                      io_method=sync (repeatable; recorded in the result files)
  --backfill-arg=A    an extra argument of (b)'s \`backfill\`, after the regime's own, e.g.
                      --backfill-arg=--read-ahead=off (repeatable; recorded in the result files)
  --no-build          do not run \`npm run build\` before the CLI contenders
  --server-url URL    use this PostgreSQL (superuser) instead of a fresh embedded one
  --replica           attach a streaming standby (pg_basebackup -R) while the contenders run
                      alone; report each one's peak replay lag and the time the standby
                      takes to catch up after it
  -h, --help          this text`;

export type ParsedArgs = { status: 'ok'; options: BenchOptions } | { status: 'help' } | { status: 'invalid'; problems: string[] };

function positiveInteger(raw: string, name: string, problems: string[], min = 1): number {
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min) {
    problems.push(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
    return min;
  }
  return value;
}

export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        rows: { type: 'string', default: '1000000' },
        seed: { type: 'string', default: '42' },
        dataset: { type: 'string', default: 'wide' },
        major: { type: 'string', default: '15' },
        only: { type: 'string' },
        rounds: { type: 'string', default: '1' },
        regime: { type: 'string', default: 'default' },
        'no-load': { type: 'boolean', default: false },
        'writer-rate': { type: 'string', default: '50' },
        'idle-seconds': { type: 'string', default: '10' },
        'shared-buffers': { type: 'string', default: '1GB' },
        out: { type: 'string', default: 'bench/results' },
        'no-build': { type: 'boolean', default: false },
        'server-url': { type: 'string' },
        replica: { type: 'boolean', default: false },
        'server-setting': { type: 'string', multiple: true, default: [] },
        'backfill-arg': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    return { status: 'invalid', problems: [(error as Error).message] };
  }
  const v = parsed.values;
  if (v.help) return { status: 'help' };
  const problems: string[] = [];
  const rows = positiveInteger(v.rows, 'rows', problems, 100);
  const seed = positiveInteger(v.seed, 'seed', problems, 0);
  const major = positiveInteger(v.major, 'major', problems, 13);
  const writerRate = positiveInteger(v['writer-rate'], 'writer-rate', problems);
  const idleSeconds = positiveInteger(v['idle-seconds'], 'idle-seconds', problems);
  const rounds = positiveInteger(v.rounds, 'rounds', problems);
  if (rounds > 20) problems.push(`--rounds ${rounds} is more than 20; 5 rounds already show the spread`);
  const dataset = v.dataset as DatasetShape;
  if (!(DATASET_SHAPES as readonly string[]).includes(dataset))
    problems.push(`--dataset must be one of ${DATASET_SHAPES.join(', ')}, got "${v.dataset}"`);
  const sharedBuffers = v['shared-buffers'];
  if (!/^\d+(kB|MB|GB)$/.test(sharedBuffers)) problems.push(`--shared-buffers must be a size like 128MB or 1GB, got "${sharedBuffers}"`);
  if (writerRate > 1000)
    problems.push(`--writer-rate ${writerRate} is above 1000 statements/s; the writer is meant to be steady traffic, not a load test`);

  let contenders: ContenderId[] = [...CONTENDER_IDS];
  if (v.only !== undefined) {
    const requested = v.only
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const unknown = requested.filter((id) => !(CONTENDER_IDS as readonly string[]).includes(id));
    if (unknown.length > 0)
      problems.push(`--only: unknown contender(s) ${unknown.join(', ')}; use letters from ${CONTENDER_IDS.join(',')}`);
    contenders = CONTENDER_IDS.filter((id) => requested.includes(id));
    if (contenders.length === 0 && unknown.length === 0) problems.push('--only names no contender; use e.g. --only a,c');
    // (d) re-runs the backfill on (b)'s clone and (e) verifies it: without (b) they have no data.
    for (const dependent of ['d', 'e'] as const) {
      if (contenders.includes(dependent) && !contenders.includes('b')) {
        problems.push(`--only: (${dependent}) runs on the clone (b) backfilled; add b`);
      }
    }
  }
  const regimes = (v.regime === 'all' ? [...REGIME_IDS] : v.regime.split(',').map((s) => s.trim())) as RegimeId[];
  const unknownRegimes = regimes.filter((r) => !(REGIME_IDS as readonly string[]).includes(r));
  if (unknownRegimes.length > 0) problems.push(`--regime: unknown ${unknownRegimes.join(', ')}; use ${REGIME_IDS.join(', ')} or all`);
  if (v['server-url'] !== undefined && regimes.some((r) => r !== 'default'))
    problems.push('--regime other than default changes server settings (ALTER SYSTEM): not with --server-url');
  const load = !v['no-load'];
  if (v.replica && v['server-url'] !== undefined)
    problems.push('--replica makes a standby of the embedded server; it cannot be combined with --server-url');
  const server = parseServerSettings(v['server-setting']);
  problems.push(...server.problems);
  if (v['server-url'] !== undefined && v['server-setting'].length > 0)
    problems.push('--server-setting applies to the embedded server; with --server-url, set it on that server');
  if (problems.length > 0) return { status: 'invalid', problems };
  return {
    status: 'ok',
    options: {
      rows,
      seed,
      dataset,
      major,
      contenders,
      rounds,
      regimes: [...new Set(regimes)],
      load,
      writerRate,
      idleSeconds,
      outDir: v.out,
      build: !v['no-build'],
      serverUrl: v['server-url'],
      sharedBuffers,
      replica: v.replica,
      serverSettings: server.settings,
      backfillArgs: v['backfill-arg'],
    },
  };
}
