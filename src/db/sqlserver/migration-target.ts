import { PrismaMssql } from '@prisma/adapter-mssql';
import { AppError } from '../../errors.js';
import { type MigrationTarget, toMigrationRecord } from '../migrate/target.js';
import { sqlserverParameter, withSqlServerPoolLimit } from '../url.js';
import {
  acquireMigrationLockSql,
  assertSafeSqlServerSchema,
  createMigrationsTableSql,
  hasMigrationsTableSql,
  listMigrationsSql,
  RELEASE_MIGRATION_LOCK_SQL,
  recordMigrationFailedSql,
  recordMigrationFinishedSql,
  recordMigrationStartedSql,
  userTablesSql,
} from './sql.js';

type MssqlAdapter = Awaited<ReturnType<PrismaMssql['connect']>>;

/**
 * Through the Prisma mssql adapter (it parses Prisma's sqlserver:// URLs; the raw `mssql`
 * package ships no types here). A pool of exactly one connection keeps sp_getapplock's
 * Session-owned lock and the work it guards on the same session. A script with no parameters
 * is sent as one batch, like Prisma's engine does (its SQL Server migrations carry their own
 * BEGIN TRY / BEGIN TRAN). Untested against a live server (docs/database.md).
 */
export async function openSqlServerMigrationTarget(url: string): Promise<MigrationTarget> {
  const schema = sqlserverParameter(url, 'schema') ?? 'dbo';
  assertSafeSqlServerSchema(schema);
  const adapter: MssqlAdapter = await new PrismaMssql(
    withSqlServerPoolLimit(url, 1, { replace: true }),
  ).connect();
  let locked = false;

  const argTypes = (args: unknown[]) =>
    args.map(() => ({ scalarType: 'string' as const, arity: 'scalar' as const }));
  const query = async (sql: string, args: unknown[] = []): Promise<Record<string, unknown>[]> => {
    const result = await adapter.queryRaw({ sql, args, argTypes: argTypes(args) });
    return result.rows.map((row) =>
      Object.fromEntries(result.columnNames.map((name, index) => [name, row[index]])),
    );
  };
  const execute = async (sql: string, args: unknown[] = []): Promise<void> => {
    await adapter.executeRaw({ sql, args, argTypes: argTypes(args) });
  };

  return {
    provider: 'sqlserver',
    async lock(timeoutMs) {
      const [row] = await query(acquireMigrationLockSql(timeoutMs));
      const status = Number(row?.status);
      if (!(status >= 0)) {
        throw new AppError(
          'MIGRATION_FAILED',
          `Could not take the migration lock (sp_getapplock status ${status})`,
          {
            transient: true,
            details: { status },
          },
        );
      }
      locked = true;
    },
    async userTables() {
      const statement = userTablesSql(schema);
      return (await query(statement.sql, statement.params)).map((row) => String(row.name));
    },
    async hasMigrationsTable() {
      const statement = hasMigrationsTableSql(schema);
      return (await query(statement.sql, statement.params)).length > 0;
    },
    async createMigrationsTable() {
      await execute(createMigrationsTableSql(schema));
    },
    async listMigrations() {
      return (await query(listMigrationsSql(schema))).map(toMigrationRecord);
    },
    async recordStarted(id, name, checksum, at) {
      const statement = recordMigrationStartedSql(schema, id, name, checksum, at);
      await execute(statement.sql, statement.params);
    },
    async recordFinished(id, at) {
      const statement = recordMigrationFinishedSql(schema, id, at);
      await execute(statement.sql, statement.params);
    },
    async recordFailed(id, logs) {
      const statement = recordMigrationFailedSql(schema, id, logs);
      await execute(statement.sql, statement.params);
    },
    async applyScript(script) {
      await execute(script);
    },
    async close() {
      try {
        if (locked) await execute(RELEASE_MIGRATION_LOCK_SQL);
      } finally {
        await adapter.dispose().catch(() => undefined);
      }
    },
  };
}
