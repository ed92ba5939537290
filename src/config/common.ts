/** Options every command accepts: where the database is, how to reach it, where things live in it. */
import type { z } from 'zod';
import { CHANNEL_BINDINGS, DEFAULT_CONNECT_TIMEOUT_MS, type ConnectionTarget } from '../db/target.js';
import { databaseUrl, duration, filePath, flag, sqlName, oneOf, sslMode, type InMs } from './fields.js';

export const DEFAULT_STATE_SCHEMA = 'aibridge_migrate';
export const DEFAULT_MIGRATIONS_TABLE = 'aibridge_migrate_migrations';

const CONNECTION = 'Connection:';
const TLS = 'TLS (libpq sslmode):';
const NAMES = 'Schemas and tables:';
const OUTPUT = 'Output:';

/** How results, logs and failures are shown; every command takes these. */
export const outputShape = {
  json: flag()
    .prefault(false)
    .meta({ describe: 'machine-readable output on stdout, errors included (logs stay on stderr)', group: OUTPUT }),
  debug: flag().prefault(false).meta({ describe: 'show where each setting came from, and stack traces on failure', group: OUTPUT }),
  quiet: flag().prefault(false).meta({
    describe: 'errors and the final result only: no logs or progress on stderr; in text mode nothing at all on success',
    group: OUTPUT,
  }),
} as const;

export const connectionShape = {
  // Optional in the schema: without one, the libpq variables (PGHOST, …) may say where to go,
  // and a missing database is reported with the fix (src/db/target.ts).
  databaseUrl: databaseUrl().optional().meta({
    describe: 'PostgreSQL URL: postgres://user:pass@host:5432/db, or postgresql:///db for the local socket (also DATABASE_URL)',
    group: CONNECTION,
  }),
  databaseUrlFile: filePath()
    .optional()
    .meta({ describe: 'read the URL from this file, e.g. a mounted secret (a trailing newline is ignored)', group: CONNECTION }),
  connectTimeout: duration(100, 600_000)
    .optional()
    .meta({
      describe: 'give up connecting after this long',
      defaultText: `${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s, or connect_timeout / PGCONNECT_TIMEOUT`,
      group: CONNECTION,
    }),
  connectRetry: duration(0, 3_600_000).optional().meta({
    describe:
      'keep retrying a server that refuses connections or is starting up (failover, fresh deployment) this long, with backoff and jitter; then exit 3',
    defaultText: 'no retry',
    group: CONNECTION,
  }),
  sslmode: sslMode().optional().meta({
    describe: 'disable | prefer | require | verify-ca | verify-full, as in libpq',
    defaultText: 'prefer, or sslmode in the URL / PGSSLMODE',
    group: TLS,
  }),
  channelBinding: oneOf(CHANNEL_BINDINGS).optional().meta({
    describe: 'disable | prefer | require: SCRAM-SHA-256-PLUS, binding the password exchange to the TLS session, as in libpq',
    defaultText: 'prefer, or channel_binding in the URL / PGCHANNELBINDING',
    group: TLS,
  }),
  sslRootCert: filePath().optional().meta({
    describe: "CA certificate(s) that signed the server's certificate, or `system`",
    defaultText: '~/.postgresql/root.crt if present',
    group: TLS,
  }),
  sslCert: filePath()
    .optional()
    .meta({ describe: 'client certificate', defaultText: '~/.postgresql/postgresql.crt if present', group: TLS }),
  sslKey: filePath()
    .optional()
    .meta({ describe: "client certificate's private key (mode 0600)", defaultText: '~/.postgresql/postgresql.key if present', group: TLS }),
  /** Schema of the application's aibridge_* tables. */
  schema: sqlName().prefault('public').meta({ describe: 'schema holding the aibridge_* tables', group: NAMES }),
  /** The toolkit's own schema: backfill ledger and checkpoints. */
  stateSchema: sqlName().prefault(DEFAULT_STATE_SCHEMA).meta({ describe: "the toolkit's own schema (backfill ledger)", group: NAMES }),
  /** Schema of node-pg-migrate's bookkeeping table. */
  migrationsSchema: sqlName().prefault('public').meta({ describe: 'schema of the migrations bookkeeping table', group: NAMES }),
  migrationsTable: sqlName()
    .prefault(DEFAULT_MIGRATIONS_TABLE)
    .meta({ describe: 'name of the migrations bookkeeping table', group: NAMES }),
  ...outputShape,
} as const;

export type ConnectionOptions = InMs<z.output<z.ZodObject<typeof connectionShape>>>;

/** Parsed settings with the connection resolved from them and the libpq environment. */
export type Connected<T> = T & { connection: ConnectionTarget };

/** A schema's values once resolved: durations in milliseconds under names that end in Ms (fields.ts, InMs). */
export type Parsed<S extends z.ZodObject> = InMs<z.output<S>>;

/** What the resolver gives for a schema: its parsed values, with the connection when the schema has the connection options. */
export type Settings<S extends z.ZodObject> = 'databaseUrl' extends keyof z.output<S> ? Connected<Parsed<S>> : Parsed<S>;

/**
 * For the commands that take session locks or change something (up, down, backfill, apply):
 * going on through a transaction-mode pooler, which they refuse otherwise (src/db/pooler).
 */
export const poolerShape = {
  poolerOk: flag().prefault(false).meta({
    describe:
      "go on although the connection goes through a transaction-mode pooler (refused with exit 10 otherwise). Risks: the session locks that keep a second up, down or backfill out may not (a backfill still writes each row at most once), and a lock may stay on a pooled server connection until that session is ended (the command names its backend pid); nothing is set for the session, so lock_timeout holds only inside each migration's own transaction. See docs/poolers.md",
    group: CONNECTION,
  }),
} as const;
