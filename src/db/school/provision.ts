import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import pg from 'pg';
import { AppError } from '../../errors.js';
import type { Logger } from '../../telemetry/index.js';
import { databaseErrorCode } from '../errors.js';
import { postgresClientConfig } from '../migrate/postgres-target.js';
import {
  assertSafeDatabaseName,
  detectProvider,
  postgresTarget,
  sqliteFilePath,
  sqlserverDatabase,
  withPostgresDatabase,
} from '../url.js';

export interface ProvisionResult {
  databaseName: string | null;
  created: boolean;
}

/**
 * Creates a school's database where clever-sync may: a SQLite file (created by the migration
 * that follows), or a PostgreSQL database (CREATE DATABASE from the server's `postgres`
 * database, name validated, never quoted-through). SQL Server / Azure SQL databases are created
 * by the infrastructure (elastic pool); provisioning there only migrates.
 */
export async function provisionDatabase(
  url: string,
  logger: Logger,
  maintenanceDatabase = 'postgres',
): Promise<ProvisionResult> {
  const provider = detectProvider(url);
  if (provider === 'sqlite') {
    const path = sqliteFilePath(url);
    return { databaseName: basename(path), created: !existsSync(path) };
  }
  if (provider === 'sqlserver') return { databaseName: sqlserverDatabase(url), created: false };

  const { database } = postgresTarget(url);
  assertSafeDatabaseName(database);
  const { schema: _schema, ...config } = postgresClientConfig(withPostgresDatabase(url, maintenanceDatabase));
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
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
    await client.end().catch(() => undefined);
  }
}
