/** One client on `url` for the length of `body`, closed whatever happens. */
import pg from 'pg';

export async function withClient<T>(
  url: string,
  body: (client: pg.Client) => Promise<T>,
  applicationName = 'aibridge-migrate-test',
): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}
