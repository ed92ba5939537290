/**
 * The backfill's walks the test server supports: both on PostgreSQL 14 and newer (the page walk
 * by default, the key walk with --walk key), only the key walk on 13. Tests of what both walks
 * promise run once per walk.
 */
import { inject } from 'vitest';
import { walkFor } from '../../src/backfill/policy/ranges.js';
import type { Walk } from '../../src/ledger/rows.js';

export const WALKS: Walk[] = walkFor('page', inject('pgVersionNum')) === 'page' ? ['page', 'key'] : ['key'];

/** The walk a run takes by default on the test server. */
export const DEFAULT_WALK: Walk = walkFor('auto', inject('pgVersionNum'))!;
