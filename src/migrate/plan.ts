/**
 * What `up`, `down` and `status` would do, decided from plain data: the migration files this
 * version ships and the names the bookkeeping table holds. No I/O here.
 */

export interface AvailableMigration {
  name: string;
  description: string;
}

export interface MigrationPlan {
  /** Not applied yet, in the order `up` applies them. */
  pending: AvailableMigration[];
  /** Applied and known to this version, in applied order. */
  applied: AvailableMigration[];
  /** Recorded as applied but absent from this version (a newer toolkit ran, or a file was removed). */
  unknownApplied: string[];
  /**
   * A pending migration sorts before one already applied: node-pg-migrate refuses to run
   * out of order, so `up` must refuse too, with this message.
   */
  orderProblem: string | undefined;
}

export function planMigrations(available: readonly AvailableMigration[], appliedNames: readonly string[]): MigrationPlan {
  const appliedSet = new Set(appliedNames);
  const byName = new Map(available.map((m) => [m.name, m]));
  const pending = available.filter((m) => !appliedSet.has(m.name));
  const applied = appliedNames.map((name) => byName.get(name)).filter((m): m is AvailableMigration => m !== undefined);
  const unknownApplied = appliedNames.filter((name) => !byName.has(name));
  const lastApplied = [...appliedNames].sort().at(-1);
  const early = lastApplied === undefined ? undefined : pending.find((m) => m.name < lastApplied);
  return {
    pending,
    applied,
    unknownApplied,
    orderProblem: early
      ? `migration ${early.name} is not applied but sorts before ${lastApplied}, which is; this toolkit applies migrations strictly in order`
      : undefined,
  };
}

/** The migration `down` reverts: the last one applied, or a reason it cannot. */
export function planDown(
  available: readonly AvailableMigration[],
  appliedNames: readonly string[],
): { kind: 'revert'; migration: AvailableMigration } | { kind: 'nothing' } | { kind: 'unknown'; name: string } {
  const last = appliedNames.at(-1);
  if (last === undefined) return { kind: 'nothing' };
  const migration = available.find((m) => m.name === last);
  return migration ? { kind: 'revert', migration } : { kind: 'unknown', name: last };
}
