/**
 * The whole benchmark, in order: server, dataset, one clone per contender measured alone (once,
 * or --rounds times side by side), then (a) and (b) again under the writer's traffic. Every
 * database it creates is dropped and the server it starts is stopped, also on failure.
 */
import { randomBytes } from 'node:crypto';
import { builtCli, buildCli, PROJECT_ROOT, type CliInvocation } from './cli.js';
import { setBasedContender } from './contenders/set-based.js';
import type { Contender, ContenderContext } from './contenders/step.js';
import { dryRunContender, rerunContender, toolkitContender, upStep, verifyContender } from './contenders/toolkit.js';
import { upstreamContender } from './contenders/upstream.js';
import { checkpoint, cloneDatabase, createDataset, dropDatabase, type Clone } from './dataset.js';
import { gitFacts, machineFacts } from './environment.js';
import type { BatchPoint } from './batch-events.js';
import { runUnderLoad, type LoadedRun } from './load.js';
import { applyRegime, regime } from './regimes.js';
import { measureContender, type Measurement } from './measure.js';
import type { BenchOptions, ContenderId } from './options.js';
import { runProcess } from './process-runner.js';
import { buildReport, type BenchReport } from './report/model.js';
import { startReplicaBench, type ReplicaBench } from './replica.js';
import { BENCH_SERVER_SETTINGS, serverFacts, startBenchServer } from './server.js';
import { summarizeLatencies } from './stats.js';

export const LABELS: Record<ContenderId, string> = {
  a: 'upstream: ALTER + one UPDATE, one txn',
  b: 'toolkit: up + backfill',
  c: 'set-based floor: one UPDATE of changed rows',
  d: 'backfill re-run on backfilled data',
  e: 'verify',
  f: 'backfill --dry-run',
};

export const WRITER_POOL_SIZE = 4;

export interface BenchDeps {
  log: (line: string) => void;
  /** How to run the CLI (default: the built one, after `npm run build` unless options.build is false). */
  cli?: CliInvocation;
  /** Database names start with this (the smoke test uses its harness's prefix, so teardown finds them). */
  databasePrefix?: string;
  /** Called once the server is up, so a signal handler can stop it. */
  onServer?: (stop: () => Promise<void>) => void;
}

export interface BenchOutcome {
  report: BenchReport;
  /** (b)'s per-batch events, for the chart. */
  batchPoints: BatchPoint[];
}

const CLI_CONTENDERS: readonly ContenderId[] = ['b', 'd', 'e', 'f'];

const NOTES = [
  'WAL is the pg_current_wal_insert_lsn() difference around each contender, run alone on the server (the writer never runs during these).',
  "Longest transaction is sampled from pg_stat_activity every 20 ms (a lower bound, ±20 ms); longest batch is the backfill's own per-batch timing from its --json events.",
  'Heap and index sizes are pg_relation_size / pg_indexes_size right after the contender, before any vacuum (autovacuum is off on the benchmark server).',
  "rows/s is the table's row count divided by wall time, for every contender alike.",
  "Server CPU is the user + system time of the backends connected to the contender's database (/proc/<pid>/stat, read at every sample), per row of the table.",
  'Full-page images: pg_stat_wal.wal_fpi around the contender (all); heap (Heap, Heap2 records) and index (Btree) images from pg_walinspect (PostgreSQL 15+). FPI/heap page divides heap images by the heap pages before the run.',
  'Blocks read / hit are pg_statio_user_tables of the table (heap and indexes) before and after the contender.',
  "ckpts: checkpoints whose redo point fell in the contender's WAL (pg_walinspect, 15+); before 15 the server's count, which also counts a timed checkpoint it skipped because nothing had been logged since the last one.",
];

/** One report per regime (options.regimes), the dataset generated once. */
export async function runBench(options: BenchOptions, deps: BenchDeps): Promise<BenchOutcome[]> {
  const { log } = deps;
  const machineAtStart = machineFacts();
  const selected = new Set(options.contenders);
  const prefix = deps.databasePrefix ?? `aibridge_bench_${randomBytes(3).toString('hex')}`;
  const processTimeoutMs = 600_000 + Math.ceil(options.rows / 1_000_000) * 600_000;

  // The CLI first: a failed build is known before minutes of data generation.
  const cli = deps.cli ?? builtCli();
  let buildStatus = deps.cli ? 'not built (given invocation)' : options.build ? '' : 'not rebuilt (--no-build)';
  let cliProblem: string | null = null;
  if ([...selected].some((id) => CLI_CONTENDERS.includes(id))) {
    if (!deps.cli && options.build) {
      log('building the CLI (npm run build) …');
      const built = buildCli();
      buildStatus = built.status === 'ok' ? 'npm run build: ok' : 'npm run build: FAILED';
      if (built.status === 'failed') cliProblem = `npm run build failed, so the CLI contenders could not run:\n${built.output}`;
    }
  } else {
    buildStatus = 'not needed';
  }

  log('starting PostgreSQL …');
  const server = await startBenchServer({
    major: options.major,
    serverUrl: options.serverUrl,
    sharedBuffers: options.sharedBuffers,
    serverSettings: options.serverSettings,
  });
  deps.onServer?.(() => server.stop());
  const created: string[] = [];
  let replica: ReplicaBench | null = null;
  try {
    const facts = await serverFacts(server.adminUrl, Object.keys(options.serverSettings));
    log(`${facts.version.split(',')[0]}; generating ${options.rows.toLocaleString('en-US')} rows …`);
    const template = `${prefix}_template`;
    created.push(template);
    const dataset = await createDataset(server.adminUrl, {
      name: template,
      rows: options.rows,
      seed: options.seed,
      shape: options.dataset,
    });
    log(`dataset ready in ${(dataset.generateMs / 1000).toFixed(1)} s`);
    if (options.replica) {
      const settings = { shared_buffers: options.sharedBuffers, ...BENCH_SERVER_SETTINGS };
      replica = await startReplicaBench({ adminUrl: server.adminUrl, major: options.major, settings, log });
    }

    let startupMs: number | null = null;
    if (!cliProblem && [...selected].some((id) => CLI_CONTENDERS.includes(id))) {
      const probe = await runProcess({ command: cli.command, args: [...cli.prefix, '--version'], cwd: PROJECT_ROOT, timeoutMs: 60_000 });
      startupMs = probe.wallMs;
      if (probe.exitCode !== 0) cliProblem = `\`${cli.description} --version\` exited with ${probe.exitCode}: ${probe.stderrTail.trim()}`;
    }

    const clone = async (id: string): Promise<Clone> => {
      const name = `${prefix}_${id}`;
      if (!created.includes(name)) created.push(name);
      return cloneDatabase(server.adminUrl, template, name, facts.versionNum);
    };
    const outcomes: BenchOutcome[] = [];
    for (const [regimeNo, regimeId] of options.regimes.entries()) {
      const base = regime(regimeId, options.rows);
      const current = { ...base, backfillArgs: [...base.backfillArgs, ...options.backfillArgs] };
      const first = regimeNo === 0;
      log(`regime ${current.id}: ${current.description}`);
      // A server given with --server-url keeps its own settings (options.ts allows only default there).
      if (!options.serverUrl) await applyRegime(server.adminUrl, current);
      const regimeStarted = new Date();
      const regimeFacts = await serverFacts(server.adminUrl);
      const contextFor = (c: Clone): ContenderContext => ({
        url: c.url,
        serverVersionNum: facts.versionNum,
        cli,
        processTimeoutMs,
        backfillArgs: current.backfillArgs,
      });
      const measurements: Measurement[] = [];
      let batchPoints: BatchPoint[] = [];
      const measure = async (round: number, id: ContenderId, contender: Contender, c: Clone) => {
        if (cliProblem && CLI_CONTENDERS.includes(id)) {
          measurements.push(failedMeasurement(round, id, cliProblem));
          return;
        }
        const of = options.rounds > 1 ? ` (round ${round} of ${options.rounds})` : '';
        log(`(${id}) ${LABELS[id]}${of} …`);
        const run = await measureContender({
          id,
          label: LABELS[id],
          round,
          contender: replica ? replica.watch(id, LABELS[id], round, contender) : contender,
          context: contextFor(c),
          adminUrl: server.adminUrl,
          database: c.name,
          datasetRows: options.rows,
        });
        if (id === 'b' && round === 1) batchPoints = run.batchPoints;
        const m = run.measurement;
        log(`(${id}) ${m.status} in ${(m.wallMs / 1000).toFixed(2)} s${m.error ? `: ${m.error}` : ''}`);
        measurements.push(m);
      };
      const alone = async (round: number, id: 'a' | 'c') => {
        const c = await clone(id);
        await measure(round, id, id === 'a' ? upstreamContender : setBasedContender, c);
        await c.drop();
      };
      const toolkit = async (round: number) => {
        const c = await clone('b');
        await measure(round, 'b', toolkitContender, c);
        const bOk = measurements.at(-1)?.status === 'ok';
        // (d) and (e) only mean something on data (b) backfilled.
        for (const [id, contender] of [
          ['d', rerunContender],
          ['e', verifyContender],
        ] as const) {
          if (!selected.has(id)) continue;
          if (bOk) await measure(round, id, contender, c);
          else measurements.push(failedMeasurement(round, id, '(b) did not complete, so there was no backfilled clone to run on'));
        }
        await c.drop();
      };

      for (let round = 1; round <= options.rounds; round++) {
        // Alternating the order cancels a drift that runs one way through the session (page
        // cache filling, a neighbour's job starting) instead of charging it to whoever runs last.
        const order: ('a' | 'c' | 'b')[] = round % 2 === 1 ? ['a', 'c', 'b'] : ['b', 'c', 'a'];
        for (const id of order) {
          if (!selected.has(id)) continue;
          if (id === 'b') await toolkit(round);
          else await alone(round, id);
        }
      }
      if (first && selected.has('f')) {
        const c = await clone('f');
        if (!cliProblem) {
          const up = await upStep(contextFor(c));
          if (!up.ok) measurements.push(failedMeasurement(1, 'f', `up before the dry run failed: ${up.error}`));
          else await measure(1, 'f', dryRunContender, c);
        } else measurements.push(failedMeasurement(1, 'f', cliProblem));
        await c.drop();
      }

      let load: BenchReport['load'] = null;
      if (first && options.load && (selected.has('a') || selected.has('b'))) {
        const runs: LoadedRun[] = [];
        const idleLatencies: number[] = [];
        for (const [id, contender] of [
          ['a', upstreamContender],
          ['b', toolkitContender],
        ] as const) {
          if (!selected.has(id) || (id === 'b' && cliProblem)) continue;
          log(`(${id}) under load: ${options.idleSeconds} s idle, then (${id}) with the writer at ${options.writerRate}/s …`);
          const c = await clone(`${id}_load`);
          const loaded = await runUnderLoad({
            id,
            label: LABELS[id],
            contender,
            context: contextFor(c),
            adminUrl: server.adminUrl,
            rows: options.rows,
            seed: options.seed,
            writerRate: options.writerRate,
            idleSeconds: options.idleSeconds,
            maxDurationMs: options.idleSeconds * 1000 + processTimeoutMs * 2 + 60_000,
          });
          runs.push(loaded.run);
          idleLatencies.push(...loaded.idleLatenciesMs);
          await c.drop();
        }
        load = {
          writerRate: options.writerRate,
          idleSeconds: options.idleSeconds,
          poolSize: WRITER_POOL_SIZE,
          idleBaseline: summarizeLatencies(idleLatencies),
          runs,
        };
      }
      const finished = new Date();
      const report = buildReport({
        regime: { id: current.id, description: current.description, backfillArgs: current.backfillArgs },
        startedAt: regimeStarted.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - regimeStarted.getTime(),
        command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
        git: gitFacts(),
        machine: {
          cpus: machineAtStart.cpus,
          totalMemoryBytes: machineAtStart.totalMemoryBytes,
          node: machineAtStart.node,
          loadAverageAtStart: machineAtStart.loadAverage,
          loadAverageAtEnd: machineFacts().loadAverage,
          runnerPeakRssBytes: process.resourceUsage().maxRSS * 1024,
        },
        server: { description: server.description, version: regimeFacts.version, settings: regimeFacts.settings },
        dataset: {
          shape: options.dataset,
          rows: dataset.rows,
          seed: options.seed,
          heapBytes: dataset.heapBytes,
          indexBytes: dataset.indexBytes,
          heapPages: dataset.heapPages,
          rowsWithMetadata: dataset.rowsWithMetadata,
          generateMs: dataset.generateMs,
        },
        cli: { invocation: cli.description, startupMs, build: buildStatus },
        measurements,
        load,
        replica: replica?.report() ?? null,
        toolkitBatches: batchPoints.map((p) => [Math.round(p.atMs), Math.round(p.durationMs * 10) / 10, p.rowsScanned, p.rowsUpdated]),
        notes: NOTES,
      });
      outcomes.push({ report, batchPoints });
    }
    await dropDatabase(server.adminUrl, template);
    await checkpoint(server.adminUrl);
    return outcomes;
  } finally {
    await replica?.stop().catch(() => {});
    for (const name of created.reverse()) await dropDatabase(server.adminUrl, name).catch(() => {});
    await server.stop();
  }
}

function failedMeasurement(round: number, id: ContenderId, error: string): Measurement {
  return {
    id,
    label: LABELS[id],
    round,
    status: 'failed',
    error,
    steps: [],
    wallMs: 0,
    rowsPerSecond: 0,
    walBytes: 0,
    heapBytesAfter: 0,
    indexBytesAfter: 0,
    rowsUpdated: 0,
    hotUpdated: 0,
    hotShare: null,
    fullPageImages: null,
    checkpoints: null,
    blocks: { heapRead: 0, heapHit: 0, indexRead: 0, indexHit: 0 },
    longestTransaction: {
      longestMs: 0,
      longestApplication: null,
      longestQuery: null,
      transactionsSeen: 0,
      longestWritingMs: 0,
      longestWritingQuery: null,
      samples: 0,
      intervalMs: 0,
      backendCpuMs: null,
    },
    batches: 0,
    longestBatchMs: null,
    peakRssBytes: null,
    rssMethod: null,
    columnSums: null,
    loadAverage: [0, 0],
  };
}
