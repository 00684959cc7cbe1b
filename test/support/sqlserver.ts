import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import { sqlserverDriverConfig } from '../../src/db/sqlserver/driver-config.js';

/**
 * The SQL Server the integration suites use, from TEST_SQLSERVER_URL (Prisma's format, a login
 * allowed to create databases, e.g. `sqlserver://localhost:1433;database=clever_sync_test;
 * user=sa;password=...;encrypt=true;trustServerCertificate=true`). There is no SQL Server on the
 * development machines: unset, the SQL Server tests skip with a visible notice; the CI job
 * `sqlserver` (.github/workflows/ci.yml) sets it. Set but unreachable, the run fails.
 * Each test gets its own uniquely named database (cs_test_<hex>), dropped afterwards.
 */
export const SQLSERVER_URL = process.env.TEST_SQLSERVER_URL?.trim() || undefined;

const CONNECTION = { poolMax: 2, idleTimeoutMs: 5_000, requestTimeoutMs: 120_000 };

/** The same server and login, another database. */
export function sqlserverDatabaseUrl(database: string, url = SQLSERVER_URL ?? ''): string {
  const parts = url.split(';').filter((part) => !/^\s*(database|initial catalog)\s*=/i.test(part));
  return [...parts, `database=${database}`].join(';');
}

/** Runs statements on a connection of its own (the raw driver: not through the code under test). */
export async function sqlserverQuery<T = Record<string, unknown>>(
  url: string,
  statement: string,
): Promise<T[]> {
  const pool = new sql.ConnectionPool(sqlserverDriverConfig(url, CONNECTION));
  pool.on('error', () => undefined);
  await pool.connect();
  try {
    return ((await pool.request().batch<T>(statement)).recordset ?? []) as T[];
  } finally {
    await pool.close();
  }
}

async function probeSqlServer(): Promise<boolean> {
  if (!SQLSERVER_URL) return false;
  try {
    await sqlserverQuery(SQLSERVER_URL, 'SELECT 1 AS ok');
    return true;
  } catch (error) {
    throw new Error(
      `TEST_SQLSERVER_URL is set but SQL Server is not reachable (${(error as Error).name}: ${(error as { code?: string }).code ?? 'no code'})`,
    );
  }
}

export const sqlserverAvailable = await probeSqlServer();
if (!sqlserverAvailable) {
  console.warn(
    '\n  NOTICE: TEST_SQLSERVER_URL is not set: SQL Server tests are SKIPPED (they run in the CI job "sqlserver").\n',
  );
}

const SAFE_NAME = /^cs_[a-z]+_[0-9a-f]{10}(_[0-9A-Za-z_-]{1,64})?$/;

/** Drops a test database, closing other sessions first (a pool the test forgot, the app's). */
export async function dropSqlServerDatabase(database: string): Promise<void> {
  if (!SQLSERVER_URL || !SAFE_NAME.test(database)) return;
  await sqlserverQuery(
    SQLSERVER_URL,
    `IF DB_ID(N'${database}') IS NOT NULL BEGIN
       ALTER DATABASE [${database}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;
       DROP DATABASE [${database}];
     END`,
  );
}

/** A fresh, empty database: what the infrastructure creates in the elastic pool. */
export async function createSqlServerDatabase(
  prefix = 'cs_test',
  name = `${prefix}_${randomBytes(5).toString('hex')}`,
): Promise<{ url: string; database: string; drop: () => Promise<void> }> {
  if (!SQLSERVER_URL) throw new Error('TEST_SQLSERVER_URL is not set');
  if (!SAFE_NAME.test(name)) throw new Error(`refusing to create test database "${name}"`);
  await sqlserverQuery(SQLSERVER_URL, `CREATE DATABASE [${name}]`);
  return { url: sqlserverDatabaseUrl(name), database: name, drop: () => dropSqlServerDatabase(name) };
}

/** Test databases whose name starts with the prefix (a sync environment's schools). */
export async function sqlserverDatabasesLike(prefix: string): Promise<string[]> {
  if (!SQLSERVER_URL) return [];
  const rows = await sqlserverQuery<{ name: string }>(
    SQLSERVER_URL,
    `SELECT name FROM sys.databases WHERE name LIKE N'${prefix.replace(/[^a-z0-9_]/g, '')}%'`,
  );
  return rows.map((row) => row.name);
}
