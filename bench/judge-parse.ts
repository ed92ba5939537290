/**
 * What reading a page-walk judge's rows costs the client: the rows to write as five parallel
 * text arrays (the driver parses each element by element) against one text split by the client
 * (src/backfill/sql/page-walk.ts, judgedRowsSql). A window of 6,400 rows to write, as a 1M-row
 * narrow table gives. CPU only, no server: `npx tsx bench/judge-parse.ts [--rows 6400]`.
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
const text = ids.map((id, i) => `${id} ${pages[i]} ${versions[i]} ${reads[i]} ${writes[i]}`).join(',');
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
const asText = msPerRead(() => judgedRows(text, 2));
console.log(
  `${n} judged rows: five arrays ${asArrays.toFixed(2)} ms, one text ${asText.toFixed(2)} ms (${(asArrays / asText).toFixed(1)}× faster)`,
);
