/**
 * A server of a test's own for measuring full-page images: the shared test server runs without
 * full-page writes (speed), and a setting given on its command line cannot be changed by ALTER
 * SYSTEM. It keeps the WAL that checkpoints would recycle, for pg_walinspect to read afterwards.
 */
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import { requestedMajor } from './provision.js';

export function startImagingServer(settings: Readonly<Record<string, string>> = {}): Promise<EmbeddedServer> {
  return startEmbeddedServer({
    major: requestedMajor(),
    fast: true,
    settings: { full_page_writes: 'on', wal_keep_size: '1GB', ...settings },
  });
}
