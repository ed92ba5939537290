/**
 * The plan PostgreSQL would keep for a statement a run prepares (src/db/prepared-statements.ts)
 * once it switches to a generic plan, made without the parameters' values: forced with
 * plan_cache_mode, and read with EXPLAIN EXECUTE under the transaction settings the run gives it.
 */
import type pg from 'pg';
import { withTransaction } from '../../src/db/transaction.js';

export async function genericPlan(
  client: pg.Client | pg.PoolClient,
  statement: { text: string; values: unknown[] },
  settings: Record<string, string>,
): Promise<string> {
  // A utility statement takes no parameters: the values go in as literals.
  const literal = (v: unknown) =>
    typeof v === 'number' ? String(v) : client.escapeLiteral(v instanceof Date ? v.toISOString() : String(v));
  return withTransaction(
    client,
    async (tx) => {
      await tx.query(`PREPARE generic_plan AS ${statement.text}`);
      try {
        const { rows } = await tx.query(`EXPLAIN EXECUTE generic_plan(${statement.values.map(literal).join(', ')})`);
        return rows.map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n');
      } finally {
        await tx.query('DEALLOCATE generic_plan');
      }
    },
    { local: { ...settings, plan_cache_mode: 'force_generic_plan' } },
  );
}
