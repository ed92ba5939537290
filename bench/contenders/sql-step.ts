/** Runs SQL in the runner's own connection, timed from the first statement to COMMIT. */
import pg from 'pg';
import type { ContenderContext, StepRun } from './step.js';

export async function runSqlStep(
  name: string,
  { url, serverVersionNum, observeBackend }: Pick<ContenderContext, 'url' | 'serverVersionNum' | 'observeBackend'>,
  body: (client: pg.Client) => Promise<void>,
): Promise<StepRun> {
  const client = new pg.Client({ connectionString: url, application_name: `aibridge-bench-${name.replaceAll(' ', '-')}` });
  client.on('error', () => {});
  await client.connect();
  const started = performance.now();
  try {
    await body(client);
    const wallMs = performance.now() - started;
    // The update counters reach pg_stat_user_tables when the backend reports; ask it to on
    // its next idle moment rather than wait for the rate limit (15+; older servers report on exit).
    if (serverVersionNum >= 150000) await client.query('SELECT pg_stat_force_next_flush()');
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    observeBackend?.(rows[0]!.pid);
    return { name, ok: true, wallMs };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    return { name, ok: false, wallMs: performance.now() - started, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end();
  }
}
