/**
 * --connect-retry on a fake clock: how many attempts a budget buys and what the operator reads
 * are decided by the Runtime passed in, so the test waits on nothing (the server is a closed
 * local port: each attempt is refused at once).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect, CONNECT_RETRY_POLICY } from '../../../src/db/connect.js';
import { retryCeilingMs } from '../../../src/retry-policy.js';
import { targetFromUrl } from '../../../src/db/target.js';
import { ConnectionError } from '../../../src/errors.js';
import { formatSeconds } from '../../../src/text/format.js';
import { fakeRuntime } from '../../harness/fake-clock.js';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('connect with --connect-retry', () => {
  it('retries a refused server until the next wait would overrun the budget, then names attempts and time spent', async () => {
    const waits: number[] = [];
    const warnings: string[] = [];
    const runtime = fakeRuntime();
    const target = { ...targetFromUrl(`postgres://nobody@127.0.0.1:${await closedPort()}/none?sslmode=disable`), connectRetryMs: 4_000 };
    const error = await connect({
      target,
      runtime: {
        ...runtime,
        sleep: async (ms) => {
          waits.push(ms);
          runtime.clock.advance(ms);
        },
        log: { ...runtime.log, warn: (message) => warnings.push(message) },
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ConnectionError);
    const spent = waits.reduce((a, b) => a + b, 0);
    expect(waits.length).toBeGreaterThan(1);
    expect(spent).toBeLessThanOrEqual(4_000);
    waits.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(retryCeilingMs(i + 1, CONNECT_RETRY_POLICY)));
    expect(warnings).toHaveLength(waits.length);
    expect(warnings[0]).toMatch(/^connect attempt 1 to 127\.0\.0\.1:\d+\/none failed \(.*ECONNREFUSED.*\); retrying in/);
    expect((error as Error).message).toContain(
      `(after ${waits.length + 1} attempts in ${formatSeconds(spent)}; --connect-retry 4.0 s spent)`,
    );
  });

  it('without --connect-retry, one attempt and no wait', async () => {
    const runtime = fakeRuntime({ sleep: () => Promise.reject(new Error('must not wait')) });
    const target = targetFromUrl(`postgres://nobody@127.0.0.1:${await closedPort()}/none?sslmode=disable`);
    await expect(connect({ target, runtime })).rejects.toBeInstanceOf(ConnectionError);
    expect(runtime.clock.now()).toBe(0);
  });
});
