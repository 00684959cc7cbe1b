import type pg from 'pg';
import { AppError } from '../../errors.js';
import type { Logger } from '../../telemetry/index.js';
import type { ProvisionResult } from '../base/dialect.js';
import { databaseErrorCode } from '../base/error-facts.js';
import { connectPostgresClient } from './pool.js';
import { assertSafeDatabaseName, postgresTarget, withPostgresDatabase } from './url.js';

/**
 * Creates a school's PostgreSQL database: CREATE DATABASE from the server's `postgres` database,
 * the name validated, never quoted-through. An existing database is left as it is.
 */
export async function provisionPostgresDatabase(
  url: string,
  logger: Logger,
  maintenanceDatabase = 'postgres',
): Promise<ProvisionResult> {
  const { database } = postgresTarget(url);
  assertSafeDatabaseName(database);
  let client: pg.Client | undefined;
  try {
    client = await connectPostgresClient(withPostgresDatabase(url, maintenanceDatabase));
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if ((exists.rowCount ?? 0) > 0) return { databaseName: database, created: false };
    try {
      await client.query(`CREATE DATABASE "${database}"`);
    } catch (error) {
      // Another worker created it between our check and CREATE DATABASE: 42P04, or 23505 on
      // pg_database's unique index when both CREATEs ran at once.
      const code = databaseErrorCode(error);
      if (code === '42P04' || code === '23505') return { databaseName: database, created: false };
      throw error;
    }
    logger.info({ databaseName: database }, 'created PostgreSQL school database');
    return { databaseName: database, created: true };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = databaseErrorCode(error);
    throw new AppError(
      'DATABASE_ERROR',
      `Could not provision PostgreSQL database "${database}" (${code ?? 'no code'})`,
      {
        details: { databaseName: database, code },
        cause: error,
      },
    );
  } finally {
    await client?.end().catch(() => undefined);
  }
}
