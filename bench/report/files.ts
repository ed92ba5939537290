/**
 * Writes a report to disk: `<stamp>-<regime>.json` to compare across commits, and
 * `latest-<regime>.*` (a report without a regime: `<stamp>.json`, `latest.*`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchReport } from './model.js';

export interface WrittenFiles {
  json: string;
  latestJson: string;
  text: string;
  chart: string | null;
}

export function fileStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
}

export function writeReportFiles(outDir: string, report: BenchReport, text: string, chartSvg: string | null): WrittenFiles {
  fs.mkdirSync(outDir, { recursive: true });
  const suffix = report.regime ? `-${report.regime.id}` : '';
  const stamp = `${fileStamp(new Date(report.startedAt))}${suffix}`;
  const latest = `latest${suffix}`;
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files: WrittenFiles = {
    json: path.join(outDir, `${stamp}.json`),
    latestJson: path.join(outDir, `${latest}.json`),
    text: path.join(outDir, `${latest}.txt`),
    chart: chartSvg ? path.join(outDir, `${latest}.svg`) : null,
  };
  fs.writeFileSync(files.json, json);
  fs.writeFileSync(files.latestJson, json);
  fs.writeFileSync(files.text, `${text}\n`);
  if (chartSvg) {
    fs.writeFileSync(path.join(outDir, `${stamp}.svg`), chartSvg);
    fs.writeFileSync(files.chart!, chartSvg);
  } else {
    // A stale chart from an earlier run must not sit next to this run's latest.json.
    fs.rmSync(path.join(outDir, `${latest}.svg`), { force: true });
  }
  return files;
}
