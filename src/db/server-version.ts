/**
 * Which PostgreSQL versions aibridge-migrate supports, and what it says about the server it is
 * connected to. The judgement is pure (judgeServerVersion), so every verdict is tested without a
 * server of that version; preflight refuses only what is too old, status warns about the rest.
 */
import type { Queryable } from './port.js';

/** Coder itself requires PostgreSQL 13 or newer; older servers are refused by preflight. */
export const MIN_SERVER_VERSION_NUM = 130000;
/**
 * PostgreSQL 14 added TID range scans (`ctid >= … AND ctid < …`): a stretch of heap pages is
 * then read in order, which the page walk of the backfill and the chunks of verify rely on.
 */
export const TID_RANGE_SCAN_VERSION = 140000;
/** The newest major the test matrix runs (scripts/test-matrix.ts, test/harness/embedded-server.ts). */
export const NEWEST_TESTED_MAJOR = 18;

/**
 * Supported majors past the PostgreSQL community's end of life (no more security fixes). 13 is
 * also the one supported major without TID range scans (added in 14), so the backfill can only
 * walk it in key order.
 */
const END_OF_LIFE: Readonly<Record<number, string>> = { 13: 'November 2025' };

export interface ServerVersion {
  /** server_version_num, e.g. 180004. */
  num: number;
  /** server_version as the server spells it, e.g. `18.4` or `15.18 (Debian 15.18-1.pgdg120+1)`. */
  text: string;
}

export type ServerSupport =
  | { status: 'supported'; major: number; warning: null }
  /** Works, but past end of life: one warning, never an error. */
  | { status: 'end_of_life'; major: number; warning: string }
  /** Newer than anything tested: let through with a warning (a new major rarely breaks plain SQL). */
  | { status: 'newer_than_tested'; major: number; warning: string }
  | { status: 'unsupported'; major: number; problem: string; fix: string };

/** The major of a server_version_num (10 and newer: the number divided by 10000). */
export function majorOf(versionNum: number): number {
  return Math.floor(versionNum / 10000);
}

export function judgeServerVersion(version: ServerVersion): ServerSupport {
  const major = majorOf(version.num);
  if (version.num < MIN_SERVER_VERSION_NUM) {
    return {
      status: 'unsupported',
      major,
      problem: `The server runs PostgreSQL ${version.text}; aibridge-migrate supports PostgreSQL 13 and newer.`,
      fix: 'Upgrade the server (Coder itself requires PostgreSQL 13 or newer), then run the command again.',
    };
  }
  const endOfLife = END_OF_LIFE[major];
  if (endOfLife !== undefined) {
    return {
      status: 'end_of_life',
      major,
      warning: `PostgreSQL ${version.text} is past its end of life (${endOfLife}): aibridge-migrate works on it, but the backfill walks the table in key order there (TID range scans need PostgreSQL 14); plan an upgrade to 14 or newer.`,
    };
  }
  if (major > NEWEST_TESTED_MAJOR) {
    return {
      status: 'newer_than_tested',
      major,
      warning: `PostgreSQL ${version.text} is newer than the versions aibridge-migrate is tested on (13 to ${NEWEST_TESTED_MAJOR}); it is expected to work, but has not been checked there.`,
    };
  }
  return { status: 'supported', major, warning: null };
}

export async function readServerVersion(db: Queryable): Promise<ServerVersion> {
  const { rows } = await db.query(`SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS text`);
  // One row always: the query selects from no table.
  const r = rows[0]!;
  return { num: Number(r.num), text: String(r.text) };
}
