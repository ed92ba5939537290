/** Settings as an API entry point resolves them (src/config/resolve.ts), with no libpq variable from this process. */
import type { z } from 'zod';
import { resolveSettings, settingsOrThrow, type Settings } from '../../src/config/resolve.js';

export async function apiSettings<S extends z.ZodObject>(
  schema: S,
  given: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): Promise<Settings<S>> {
  return settingsOrThrow(await resolveSettings(schema, { from: 'api', given, env }));
}
