/**
 * vitest globalSetup for the integration projects: one server per test run, one template
 * database holding the baseline schema; every test file clones the template (database.ts).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { quoteIdent } from '../../src/db/identifier.js';
import { provisionServer, type ProvisionedServer } from './provision.js';
import { loadBaselineSchema, withDatabase } from './template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgRunId: string;
    pgKind: string;
    /** server_version_num of the test server (e.g. 150018). */
    pgVersionNum: number;
  }
}

export const DATABASE_PREFIX = 'aibridge_migrate_t_';

let server: ProvisionedServer | undefined;

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  server = await provisionServer({ fast: true });
  console.log(`[pg] ${server.description}`);
  const runId = randomBytes(4).toString('hex');
  const template = `${DATABASE_PREFIX}${runId}_template`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdent(template)}`);
  const { rows } = await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  await admin.end();
  await loadBaselineSchema(withDatabase(server.adminUrl, template));

  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgRunId', runId);
  project.provide('pgKind', server.kind);
  project.provide('pgVersionNum', Number(rows[0]!.v));

  return async () => {
    const cleanup = new pg.Client({ connectionString: server!.adminUrl });
    await cleanup.connect();
    try {
      // Only this run's databases: a shared TEST_DATABASE_URL server keeps everything else.
      const { rows } = await cleanup.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [
        `${DATABASE_PREFIX}${runId}`,
      ]);
      for (const { datname } of rows) {
        await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
      }
    } finally {
      await cleanup.end();
      await server!.stop();
    }
  };
}
