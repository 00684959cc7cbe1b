import pg from 'pg';
import { type ClientOptions, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_POOL_MAX } from '../base/client-options.js';
import { postgresClientConfig } from './url.js';

/**
 * A bounded `pg` pool for the URL (Prisma's `?schema=` becomes the search_path). Passed to the
 * Prisma adapter, and shared with raw SQL where that is measurably faster (school rosters).
 */
export function createPostgresPool(
  url: string,
  options: ClientOptions = {},
): { pool: pg.Pool; schema: string | undefined } {
  const { schema, ...config } = postgresClientConfig(url);
  const pool = new pg.Pool({
    ...config,
    max: options.poolMax ?? DEFAULT_POOL_MAX,
    idleTimeoutMillis: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: 15_000,
  });
  // A server restart surfaces as an 'error' on idle clients; log it instead of crashing.
  pool.on('error', (error) =>
    options.logger?.warn({ err: { name: error.name } }, 'idle PostgreSQL connection failed'),
  );
  // pg-pool takes its listener off a client while it is checked out: a connection lost mid-query
  // then emits 'error' with no listener, which crashes the process, although the query itself is
  // rejected (and retried or reported by its caller). Every client keeps a listener of its own.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return { pool, schema };
}

/**
 * One `pg.Client` (one session) for the applier and provisioning. A dropped connection emits
 * 'error' on the client; without a listener Node would crash, and the failed query reports it.
 */
export async function connectPostgresClient(url: string): Promise<pg.Client> {
  const { schema: _schema, ...config } = postgresClientConfig(url);
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
