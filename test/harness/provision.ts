/**
 * Picks the PostgreSQL server the tests (and the demo and benchmarks) run against, in order:
 * 1. TEST_DATABASE_URL — a server we are given; we only create and drop our own databases in it;
 * 2. testcontainers 11 — when a container runtime answers its (fast, ~3 ms when absent) probe;
 * 3. embedded PostgreSQL from npm packages.
 */
import { redactUrl } from '../../src/text/redact.js';
import { DEFAULT_PG_MAJOR, startEmbeddedServer, type StartOptions } from './embedded-server.js';

export interface ProvisionedServer {
  kind: 'external' | 'testcontainers' | 'embedded';
  /** A URL with rights to CREATE DATABASE; its path names a database we may connect to. */
  adminUrl: string;
  /** One line for humans: what was chosen and why. */
  description: string;
  stop(): Promise<void>;
}

export function requestedMajor(): number {
  const raw = process.env.PG_VERSION;
  if (!raw) return DEFAULT_PG_MAJOR;
  const major = Number(raw);
  if (!Number.isInteger(major)) throw new Error(`PG_VERSION must be a major version like 15, got "${raw}"`);
  return major;
}

async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function provisionServer(options: Omit<StartOptions, 'major'> = {}): Promise<ProvisionedServer> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    return {
      kind: 'external',
      adminUrl: external,
      description: `using the server at TEST_DATABASE_URL (${redactUrl(external)})`,
      stop: async () => {},
    };
  }
  const major = requestedMajor();
  if (await containerRuntimeAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(`postgres:${major}-alpine`).start();
    return {
      kind: 'testcontainers',
      adminUrl: container.getConnectionUri(),
      description: `started PostgreSQL ${major} with testcontainers (${container.getHost()}:${container.getPort()})`,
      stop: async () => {
        await container.stop();
      },
    };
  }
  const started = Date.now();
  const server = await startEmbeddedServer({ ...options, major });
  return {
    kind: 'embedded',
    adminUrl: server.url,
    description: `no TEST_DATABASE_URL and no container runtime: started embedded PostgreSQL ${major} on port ${server.port} in ${Date.now() - started} ms`,
    stop: () => server.stop(),
  };
}
