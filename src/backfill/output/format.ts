/** Human-readable text for the final summary and the dry-run report. */
import { formatCount, formatDuration } from '../../text/format.js';
import type { BackfillResult, DryRunReport } from '../result.js';
import type { BackfillSummary } from '../summary.js';

function anomalyText(anomalies: Record<string, number>): string {
  const entries = Object.entries(anomalies).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${formatCount(n)}`)
    .join(', ');
}

export function formatSummary(summary: BackfillSummary): string[] {
  return [
    `rows scanned:             ${formatCount(summary.rowsScanned)}`,
    `rows updated:             ${formatCount(summary.rowsUpdated)}`,
    `already set by the app:   ${formatCount(summary.rowsApplicationWritten)}`,
    `anomalous rows by class:  ${anomalyText(summary.anomalies)}`,
    `duration:                 ${formatDuration(summary.durationMs)} (${formatDuration(summary.busyMs)} in ${formatCount(summary.batches)} batches)`,
    `throughput:               ${formatCount(summary.rowsPerSecond)} rows/s`,
    `longest batch:            ${formatDuration(summary.longestBatchMs)}`,
    `convergence sweeps:       ${summary.convergencePasses}${summary.unconvergedRows ? ` (${formatCount(summary.unconvergedRows)} rows still eligible at the end)` : ''}`,
    ...(summary.direction === 'reverse'
      ? [
          `unreversible rows:        ${summary.unreversibleRows === null || summary.unreversibleRows === undefined ? '?' : formatCount(summary.unreversibleRows)}`,
        ]
      : []),
  ];
}

/** What is printed on stdout when a run ends (without --json). */
export function formatResult(result: BackfillResult): string[] {
  switch (result.status) {
    case 'completed': {
      const head = `${result.summary.direction === 'reverse' ? 'reverse ' : ''}backfill run #${result.runId} completed${result.resumed ? ' (resumed)' : ''}${result.converged ? '' : result.summary.unconvergedRows ? ' — NOT converged' : ''}`;
      const lines = [head, ...formatSummary(result.summary).map((l) => `  ${l}`)];
      if (result.summary.unconvergedRows) {
        lines.push(
          `  ${formatCount(result.summary.unconvergedRows)} rows are still eligible: an old application version is still inserting rows with cache keys in metadata only. Run backfill again once every replica runs the new version.`,
        );
      }
      if (result.summary.unreversibleRows) {
        lines.push(
          `  ${formatCount(result.summary.unreversibleRows)} rows could not be reversed (metadata that is not a JSON object, or that already holds "aibridge_migrate_displaced"); they were left untouched. \`aibridge-migrate verify\` lists them; down will refuse until they are fixed by hand (or --force-drop-data).`,
        );
      }
      return lines;
    }
    case 'interrupted': {
      const where = result.position
        ? `pass ${result.position.pass}, ${result.position.nextPage !== null ? `before page ${result.position.nextPage}` : `after key ${result.position.checkpoint ?? '(start)'}`}`
        : 'before the first batch';
      const lines = [
        `backfill ${result.runId === null ? '' : `run #${result.runId} `}stopped by ${result.signal} at ${where}; every committed batch is kept.`,
      ];
      if (result.summary) lines.push(...formatSummary(result.summary).map((l) => `  ${l}`));
      lines.push(`resume with: ${result.resumeCommand}`);
      return lines;
    }
    case 'cancelled': {
      const where = result.position
        ? `pass ${result.position.pass}, after key ${result.position.checkpoint ?? '(start)'}`
        : 'before its first batch';
      const lines = [
        `backfill run #${result.runId} cancelled (aibridge-migrate cancel): this process stopped at ${where}; every committed batch is kept.`,
      ];
      if (result.summary) lines.push(...formatSummary(result.summary).map((l) => `  ${l}`));
      lines.push(`resume with: ${result.resumeCommand}`);
      return lines;
    }
    case 'failed':
      return result.summary
        ? [`backfill run #${result.runId} failed; progress so far:`, ...formatSummary(result.summary).map((l) => `  ${l}`)]
        : [];
    case 'dry-run':
      return formatDryRun(result.report);
  }
}

export function formatDryRun(report: DryRunReport): string[] {
  const lines = [
    `dry run of ${report.table} (read only, nothing written)${report.columnsPresent ? '' : ' — cache columns not added yet: counted as 0'}`,
    `  rows:                    ${formatCount(report.rows)}`,
    `  would update:            ${formatCount(report.wouldUpdate)}`,
    `  already set by the app:  ${formatCount(report.applicationWritten)}`,
    `  NULL metadata:           ${formatCount(report.nullMetadata)}`,
  ];
  const classes = Object.entries(report.anomalies);
  if (classes.length === 0) lines.push('  anomalies:               none');
  else {
    lines.push('  anomalies (values counted as absent):');
    for (const [cls, info] of classes) lines.push(`    ${cls}: ${formatCount(info.rows)} rows, e.g. ${info.sampleIds.join(', ')}`);
  }
  if (report.byProvider) {
    lines.push('  per provider and model (rows to update / rows, cache read + write tokens to write):');
    for (const g of report.groups) {
      lines.push(
        `    ${g.provider ?? '(no interception)'} ${g.model ?? ''}: ${formatCount(g.wouldUpdate)} / ${formatCount(g.rows)}, ${g.cacheReadToWrite} + ${g.cacheWriteToWrite}`,
      );
    }
  }
  lines.push(
    `  read rate:               ${formatCount(report.readRowsPerSecond)} rows/s (${formatDuration(report.readMs)} for the table, ${formatCount(report.chunks)} chunks on ${report.sessions} session${report.sessions === 1 ? '' : 's'} in one snapshot)`,
    `  estimated run time:      ${formatDuration(report.estimatedRunMs)} (rough: from the read rate)`,
  );
  return lines;
}
