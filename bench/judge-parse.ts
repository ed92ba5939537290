/**
 * What a page-walk judge's rows cost the client, from the judge's result to the rounds' text
 * parameters (src/backfill/sql/page-walk.ts, judgedRowsSql and roundRowsSql). A window of 6,400
 * rows to write, as a 1M-row narrow table gives. CPU only, no server:
 * `npx tsx bench/judge-parse.ts [--rows 6400]`. Three ways:
 * - five parallel text arrays, which the driver parses element by element (read only);
 * - one text split into rows and each row into fields, joined again for the rounds (until
 *   2026-12-07);
 * - one text whose rows are kept as they came, only their page read (what the walk does).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { judgedRows } from '../src/backfill/sql/page-walk.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '6400' }, repeats: { type: 'string', default: '300' } } });
const n = Number(args.rows);
const ids = Array.from({ length: n }, () => randomUUID());
const pages = Array.from({ length: n }, (_, i) => 1000 + (i >> 3));
const versions = Array.from({ length: n }, (_, i) => String(700_000 + i));
const reads = Array.from({ length: n }, (_, i) => String(i * 37));
const writes = Array.from({ length: n }, (_, i) => String(i * 11));

// As the server sends them: array literals (a tid needs quotes), and the one text.
const literal = (values: string[]) => `{${values.map((v) => (/[(),]/.test(v) ? `"${v}"` : v)).join(',')}}`;
const arrays = [ids, pages.map((p, i) => `(${p},${(i % 8) + 1})`), versions, reads, writes].map(literal);
const fieldsText = ids.map((id, i) => `${id} ${pages[i]} ${versions[i]} ${reads[i]} ${writes[i]}`).join(',');
const text = ids.map((id, i) => `${id} ${versions[i]} ${reads[i]} ${writes[i]} ${pages[i]}`).join(',');
/** Rows of a round, as the walk's rounds take them (about 2,000 on this table). */
const ROUND = 2000;
// 1009: text[] (pg's typings list only the scalar type ids).
const getParser = pg.types.getTypeParser as unknown as (oid: number, format: 'text') => (value: string) => string[];
const parseTextArray = getParser(1009, 'text');

function msPerRead(read: () => unknown): number {
  const repeats = Number(args.repeats);
  for (let i = 0; i < 30; i++) read();
  const started = performance.now();
  for (let i = 0; i < repeats; i++) read();
  return (performance.now() - started) / repeats;
}

const asArrays = msPerRead(() => {
  const [id, address, version, read, write] = arrays.map(parseTextArray);
  return id!.map((value, i) => ({
    id: value,
    page: Number(address![i]!.slice(1, address![i]!.indexOf(','))),
    version: version![i]!,
    values: [read![i]!, write![i]!],
  }));
});
const asFields = msPerRead(() => {
  const rows = fieldsText.split(',').map((line) => {
    const f = line.split(' ');
    return { id: f[0]!, page: Number(f[1]), version: f[2]!, values: f.slice(3) };
  });
  const texts: string[] = [];
  for (let i = 0; i < rows.length; i += ROUND)
    texts.push(
      rows
        .slice(i, i + ROUND)
        .map((r) => [r.id, r.version, ...r.values].join(' '))
        .join(','),
    );
  return texts;
});
const asLines = msPerRead(() => {
  const rows = judgedRows(text, 2);
  const texts: string[] = [];
  for (let i = 0; i < rows.length; i += ROUND)
    texts.push(
      rows
        .slice(i, i + ROUND)
        .map((r) => r.line)
        .join(','),
    );
  return texts;
});
console.log(`${n} judged rows, read: five arrays ${asArrays.toFixed(2)} ms`);
console.log(
  `read and sent on in rounds of ${ROUND}: split into fields ${asFields.toFixed(2)} ms, kept as lines ${asLines.toFixed(2)} ms (${(asFields / asLines).toFixed(1)}× faster)`,
);
