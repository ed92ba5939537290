/**
 * `--server-setting name=value` (repeatable): extra `-c` settings for the embedded benchmark
 * server, e.g. `io_method=sync` on PostgreSQL 18, to measure one setting's effect in a run that
 * is otherwise the same. Pure: parsed here, applied by server.ts, recorded in every result file
 * (the server description lists every setting; the settings table reads them back).
 */

/** Settings the benchmark sets through options of their own, which a second way could contradict. */
const OWN_OPTIONS: Readonly<Record<string, string>> = { shared_buffers: '--shared-buffers' };

/** PostgreSQL's setting names: letters, digits, underscores; a dot for an extension's (`auto_explain.log_min_duration`). */
const NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/**
 * Settings read back from the server into every result, besides the ones the run changed.
 * PostgreSQL 18's defaults that change what is measured: asynchronous reads (io_method,
 * io_workers), and data checksums on by default at initdb (hint-bit changes then write
 * full-page images, as wal_log_hints does). Names a server does not know are left out.
 */
export const VERSION_SENSITIVE_SETTINGS = ['io_method', 'io_workers', 'data_checksums', 'wal_log_hints'] as const;

export function parseServerSettings(raw: readonly string[]): { settings: Record<string, string>; problems: string[] } {
  const settings: Record<string, string> = {};
  const problems: string[] = [];
  for (const item of raw) {
    const at = item.indexOf('=');
    const name = at > 0 ? item.slice(0, at).trim().toLowerCase() : '';
    const value = at > 0 ? item.slice(at + 1).trim() : '';
    if (!NAME.test(name) || value === '') {
      problems.push(`--server-setting must be name=value, e.g. io_method=sync, got "${item}"`);
    } else if (OWN_OPTIONS[name]) {
      problems.push(`--server-setting ${name}: use ${OWN_OPTIONS[name]} instead`);
    } else if (name in settings) {
      problems.push(`--server-setting ${name} is given twice ("${settings[name]}" and "${value}")`);
    } else {
      settings[name] = value;
    }
  }
  return { settings, problems };
}
