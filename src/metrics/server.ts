/**
 * The /metrics endpoint: one HTTP server serving a prom-client registry in the Prometheus text
 * format. Any command passes the registry it fills; nothing here knows what is measured.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { UsageError } from '../errors.js';

export interface MetricsServer {
  /** The port listened on (useful when 0 asked the system for one). */
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(registry: Registry, where: { host: string; port: number }): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  // The endpoint must never keep a finished command alive.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new UsageError([
          {
            setting: 'metrics-port',
            source: null,
            message: `cannot listen on ${where.host}:${where.port} for /metrics: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`,
          },
        ]),
      ),
    );
    server.listen(where.port, where.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
