import { describe, expect, it } from 'vitest';
import { PermissionError, PreflightError } from '../../../src/errors.js';
import { evaluatePreflight, preflightError, type PreflightFacts, type PreflightNeeds } from '../../../src/migrate/preflight.js';

const names = {
  appSchema: 'public',
  stateSchema: 'aibridge_migrate',
  migrationsSchema: 'public',
  migrationsTable: 'aibridge_migrate_migrations',
};
const healthy: PreflightFacts = {
  serverVersionNum: 150018,
  serverVersion: '15.18',
  inRecovery: false,
  role: 'coder',
  database: 'coder',
  canCreateInDatabase: true,
  appSchemaExists: true,
  tableExists: true,
  tableOwner: 'coder',
  ownsTable: true,
  columnTypes: { id: 'uuid', metadata: 'jsonb' },
  stateSchemaExists: false,
  canCreateInStateSchema: false,
  migrationsSchemaExists: true,
  canCreateInMigrationsSchema: true,
  migrationsTableExists: false,
  canWriteMigrationsTable: false,
};
const everything: PreflightNeeds = { write: true, alterTable: true, createInStateSchema: true };
const readOnly: PreflightNeeds = { write: false, alterTable: false, createInStateSchema: false };

function failures(facts: Partial<PreflightFacts>, needs = everything) {
  return evaluatePreflight({ ...healthy, ...facts }, needs, names).filter((c) => !c.ok);
}

describe('evaluatePreflight', () => {
  it('passes a healthy database with every check listed', () => {
    const checks = evaluatePreflight(healthy, everything, names);
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['server_version', true],
      ['primary_server', true],
      ['app_table', true],
      ['key_columns', true],
      ['table_owner', true],
      ['state_schema_create', true],
      ['bookkeeping_table', true],
    ]);
    expect(preflightError(checks)).toBeUndefined();
  });

  it('passes PostgreSQL 13 and 18; on 13 the server_version detail carries the end-of-life warning', () => {
    const detail = (serverVersionNum: number, serverVersion: string) =>
      evaluatePreflight({ ...healthy, serverVersionNum, serverVersion }, everything, names).find((c) => c.check === 'server_version');
    expect(detail(130023, '13.23')).toEqual({
      check: 'server_version',
      ok: true,
      detail: expect.stringMatching(/^PostgreSQL 13\.23 is past its end of life/),
    });
    expect(detail(180004, '18.4')).toEqual({ check: 'server_version', ok: true, detail: 'PostgreSQL 18.4' });
  });

  it.each([
    [
      'PostgreSQL 12',
      { serverVersionNum: 120015, serverVersion: '12.15' },
      'server_version',
      'preflight',
      /PostgreSQL 12.15; aibridge-migrate supports PostgreSQL 13 and newer/,
    ],
    ['a standby', { inRecovery: true }, 'primary_server', 'preflight', /read-only standby.*primary server/],
    [
      'a missing schema',
      { appSchemaExists: false, tableExists: false },
      'app_schema',
      'preflight',
      /Schema "public" does not exist.*--schema/,
    ],
    [
      'a missing table',
      { tableExists: false },
      'app_table',
      'preflight',
      /public.aibridge_token_usages does not exist.*Coder's own migrations/,
    ],
    [
      'a text metadata column',
      { columnTypes: { id: 'uuid', metadata: 'text' } },
      'key_columns',
      'preflight',
      /metadata should be jsonb but is text/,
    ],
    ['a missing id column', { columnTypes: { metadata: 'jsonb' } }, 'key_columns', 'preflight', /id should be uuid but is missing/],
    [
      'another owner',
      { ownsTable: false, tableOwner: 'coder_admin' },
      'table_owner',
      'permission',
      /Role coder does not own .*GRANT coder_admin TO coder/,
    ],
    [
      'no CREATE for the state schema',
      { canCreateInDatabase: false },
      'state_schema_create',
      'permission',
      /may not create schemas.*CREATE SCHEMA "aibridge_migrate" AUTHORIZATION coder/,
    ],
    [
      'no CREATE in an existing state schema',
      { stateSchemaExists: true, canCreateInStateSchema: false },
      'state_schema_create',
      'permission',
      /GRANT CREATE ON SCHEMA "aibridge_migrate" TO coder/,
    ],
    [
      'no CREATE on public (PG 15 default)',
      { canCreateInMigrationsSchema: false },
      'bookkeeping_table',
      'permission',
      /PostgreSQL 15 and newer no longer grant it on public/,
    ],
    [
      'a bookkeeping table it cannot write',
      { migrationsTableExists: true, canWriteMigrationsTable: false },
      'bookkeeping_table',
      'permission',
      /GRANT SELECT, INSERT, DELETE ON public.aibridge_migrate_migrations/,
    ],
  ] as const)('fails on %s, naming the problem and the fix', (_name, facts, check, kind, message) => {
    const failed = failures(facts);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ check, kind });
    const error = preflightError(evaluatePreflight({ ...healthy, ...facts }, everything, names))!;
    expect(error).toBeInstanceOf(kind === 'permission' ? PermissionError : PreflightError);
    expect(error.exitCode).toBe(kind === 'permission' ? 3 : 5);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('Fix: ');
  });

  it('only asks for what the work needs: a read-only status ignores ownership, standby and CREATE', () => {
    expect(
      failures({ inRecovery: true, ownsTable: false, canCreateInDatabase: false, canCreateInMigrationsSchema: false }, readOnly),
    ).toEqual([]);
  });

  it('reports every failure at once, and a state problem outranks a missing privilege', () => {
    const error = preflightError(
      evaluatePreflight({ ...healthy, inRecovery: true, ownsTable: false, tableOwner: 'x' }, everything, names),
    )!;
    expect(error).toBeInstanceOf(PreflightError);
    expect(error.details.failed_checks).toEqual(['primary_server', 'table_owner']);
    expect(error.message.split('\n\n')).toHaveLength(2);
  });
});
