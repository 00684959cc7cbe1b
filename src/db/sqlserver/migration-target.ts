import type { TokenCredential } from '@azure/identity';
import sql from 'mssql';
import { AppError } from '../../errors.js';
import { type MigrationTarget, toMigrationRecord } from '../base/migration-target.js';
import type { SqlStatement } from '../base/roster-sql.js';
import { sqlserverDriverConfig } from './driver-config.js';
import { bindParameters } from './executor.js';
import {
  acquireMigrationLockSql,
  createMigrationsTableSql,
  hasMigrationsTableSql,
  listMigrationsSql,
  RELEASE_MIGRATION_LOCK_SQL,
  recordMigrationFailedSql,
  recordMigrationFinishedSql,
  recordMigrationStartedSql,
  userTablesSql,
} from './sql.js';
import { sqlserverSchema } from './url.js';

export interface SqlServerMigrationTargetOptions {
  /** How long one statement may run: more than the lock wait, and long enough for an index build. */
  requestTimeoutMs: number;
  credential?: TokenCredential;
}

/**
 * The applier's time limit per statement: mssql's 15 s default would cut the 60 s lock wait short
 * and cancel a migration that rebuilds a large table, so allow the lock wait plus a minute, and at
 * least 30 minutes.
 */
export function migrationRequestTimeoutMs(lockTimeoutMs: number): number {
  return Math.max(lockTimeoutMs + 60_000, 30 * 60_000);
}

const statement = (text: string): SqlStatement => ({ sql: text, params: [], types: [] });

/**
 * The applier's driver config: exactly one connection (a URL `connectionLimit` cannot raise it)
 * that never idles out between statements, and no shorter statement timeout than the applier's
 * (a URL `socketTimeout` cannot cut the lock wait short).
 */
export function sqlserverMigrationConfig(url: string, options: SqlServerMigrationTargetOptions): sql.config {
  const config = sqlserverDriverConfig(url, {
    poolMax: 1,
    idleTimeoutMs: options.requestTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    ...(options.credential ? { credential: options.credential } : {}),
  });
  return {
    ...config,
    requestTimeout: Math.max(config.requestTimeout ?? 0, options.requestTimeoutMs),
    pool: { ...config.pool, min: 0, max: 1, idleTimeoutMillis: options.requestTimeoutMs },
  };
}

/**
 * On the `mssql` driver, with a pool of exactly one connection, so sp_getapplock's
 * Session-owned lock and the work it guards share one session (the connection is kept for the
 * whole run: it never idles longer than a statement). A migration script is sent as one batch,
 * like Prisma's engine does (its SQL Server migrations carry their own BEGIN TRY / BEGIN TRAN).
 * Untested against a live server here (docs/database.md).
 */
export async function openSqlServerMigrationTarget(
  url: string,
  options: SqlServerMigrationTargetOptions,
): Promise<MigrationTarget> {
  const schema = sqlserverSchema(url);
  const pool = new sql.ConnectionPool(sqlserverMigrationConfig(url, options));
  pool.on('error', () => undefined);
  await pool.connect();
  let locked = false;

  const query = async (next: SqlStatement): Promise<Record<string, unknown>[]> =>
    (await bindParameters(pool.request(), next).query(next.sql)).recordset ?? [];
  const execute = async (next: SqlStatement): Promise<void> => {
    await bindParameters(pool.request(), next).query(next.sql);
  };

  return {
    async lock(timeoutMs) {
      const [row] = await query(statement(acquireMigrationLockSql(timeoutMs)));
      const status = Number(row?.status);
      if (!(status >= 0)) {
        throw new AppError(
          'MIGRATION_FAILED',
          `Could not take the migration lock (sp_getapplock status ${status})`,
          { transient: true, details: { status } },
        );
      }
      locked = true;
    },
    async userTables() {
      return (await query(userTablesSql(schema))).map((row) => String(row.name));
    },
    async hasMigrationsTable() {
      return (await query(hasMigrationsTableSql(schema))).length > 0;
    },
    async createMigrationsTable() {
      await execute(statement(createMigrationsTableSql(schema)));
    },
    async listMigrations() {
      return (await query(statement(listMigrationsSql(schema)))).map(toMigrationRecord);
    },
    async recordStarted(id, name, checksum, at) {
      await execute(recordMigrationStartedSql(schema, id, name, checksum, at));
    },
    async recordFinished(id, at) {
      await execute(recordMigrationFinishedSql(schema, id, at));
    },
    async recordFailed(id, logs) {
      await execute(recordMigrationFailedSql(schema, id, logs));
    },
    async applyScript(script) {
      await pool.request().batch(script);
    },
    async close() {
      try {
        if (locked) await execute(statement(RELEASE_MIGRATION_LOCK_SQL));
      } finally {
        await pool.close().catch(() => undefined);
      }
    },
  };
}
