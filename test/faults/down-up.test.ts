/**
 * Down and up again. While the columns hold values their metadata does not carry (written by
 * the new application version), `down` refuses (exit 6) and changes nothing. After the
 * reverse step (`backfill --reverse`) copies those values into metadata, down + down + up +
 * backfill brings every row back to exactly the values it had — and verify passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedDatabase } from '../harness/backfill.js';
import { LEDGER_MIGRATIONS } from '../harness/toolkit-schema.js';
import { backfillHasFlag, runCli } from '../harness/fault-cli.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

const reverseAvailable = await backfillHasFlag('--reverse');

async function values(db: Db): Promise<Map<string, string>> {
  const { rows } = await db.query(
    `SELECT id::text AS id, cache_read_input_tokens || '/' || cache_write_input_tokens AS v FROM aibridge_token_usages`,
  );
  return new Map(rows.map((r) => [r.id as string, r.v as string]));
}

async function hasColumns(db: Db): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'aibridge_token_usages' AND column_name IN ('cache_read_input_tokens', 'cache_write_input_tokens')`,
  );
  return rows[0].n === 2;
}

describe('down refuses while columns hold column-only data; reverse makes the round trip exact', () => {
  let db: Db;
  beforeAll(async () => {
    // preparedDatabase holds rows the application wrote over metadata that says otherwise.
    db = await preparedDatabase(5_000, 83);
    // And rows the new version wrote with no cache keys in metadata at all.
    await db.query(
      `UPDATE aibridge_token_usages SET cache_read_input_tokens = 21, cache_write_input_tokens = 4
        WHERE id IN (SELECT id FROM aibridge_token_usages WHERE metadata = '{}'::jsonb ORDER BY md5(id::text) LIMIT 30)`,
    );
  });
  afterAll(() => db?.drop());

  it('down exits 6 and changes nothing while column-only values exist', async () => {
    const url = ['--database-url', db.url];
    expect((await runCli(['backfill', ...url])).code).toBe(0);
    const before = await values(db);
    // The last migrations (the ledger's) may go; the columns migration must refuse.
    let refused = null;
    for (let i = 0; i < LEDGER_MIGRATIONS.length + 1 && !refused; i++) {
      const down = await runCli(['down', ...url]);
      if (down.code === 6) refused = down;
      else expect(down.code, down.stderr).toBe(0);
    }
    expect(refused, 'down refused').not.toBeNull();
    expect(refused!.stderr).toMatch(
      /error: down refused: \d+ row\(s\) of .*aibridge_token_usages.* hold cache token values .* that their metadata does not carry/,
    );
    expect(refused!.stderr).not.toMatch(/^\s+at /m);
    expect(await hasColumns(db)).toBe(true);
    expect(await values(db)).toEqual(before);
    // Put back whatever the first down reverted.
    expect((await runCli(['up', ...url])).code).toBe(0);
  });

  it.skipIf(!reverseAvailable)(
    'after backfill --reverse: down (every migration), up, backfill round-trips every value exactly (skipped without --reverse)',
    async () => {
      const url = ['--database-url', db.url];
      const before = await values(db);
      const reverse = await runCli(['backfill', '--reverse', '--json', ...url]);
      expect(reverse.code, reverse.stderr).toBe(0);
      expect(reverse.events.at(-1)).toMatchObject({ event: 'finish', status: 'completed' });
      expect(await values(db), 'reverse changes metadata only').toEqual(before);

      for (let i = 0; i < LEDGER_MIGRATIONS.length + 1; i++) {
        const down = await runCli(['down', ...url]);
        expect(down.code, down.stderr).toBe(0);
      }
      expect(await hasColumns(db)).toBe(false);
      const up = await runCli(['up', ...url]);
      expect(up.code, up.stderr).toBe(0);
      const forward = await runCli(['backfill', ...url]);
      expect(forward.code, forward.stderr).toBe(0);

      const after = await values(db);
      const changed = [...before].filter(([id, v]) => after.get(id) !== v).map(([id, v]) => `${id}: ${v} → ${after.get(id)}`);
      expect(changed).toEqual([]);
      expect(after.size).toBe(before.size);
      const verify = await runCli(['verify', ...url]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    },
  );
});
