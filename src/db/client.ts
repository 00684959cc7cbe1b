import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { PrismaClient as SchoolPrismaClient } from '../generated/school-postgresql/client.js';
import type { PrismaClient as SessionPrismaClient } from '../generated/session-postgresql/client.js';
import type { Logger } from '../telemetry/index.js';
import type { DatabaseKind } from './migrate/files.js';
import { postgresClientConfig } from './migrate/postgres-target.js';
import { createSharedMssqlAdapter, type SharedMssqlAdapter } from './sqlserver/adapter.js';
import { sqlserverDriverConfig } from './sqlserver/driver-config.js';
import { type DatabaseProvider, detectProvider, sqliteFilePath } from './url.js';

/**
 * Prisma Client construction: one generated client per (database, provider) because Prisma
 * generates per provider, and a driver adapter chosen from the URL. The three generated
 * clients of a database have the same model API; code is typed against the PostgreSQL one and
 * uses only what all three providers support.
 */
export type { SchoolPrismaClient, SessionPrismaClient };

export interface ClientOptions {
  /** Connections per pool (DATABASE_POOL_MAX). SQLite uses one connection. */
  poolMax?: number;
  /** Close pooled connections idle this long (PostgreSQL, SQL Server; DATABASE_IDLE_CLOSE_SECONDS). */
  idleTimeoutMs?: number;
  /** SQLite: how long a statement waits for another connection's write lock. */
  busyTimeoutMs?: number;
  /** SQL Server: how long one statement may run before the driver cancels it (DATABASE_REQUEST_TIMEOUT_SECONDS). */
  requestTimeoutMs?: number;
  /** SQL Server Entra authentication: the app's one Azure identity (src/secrets/azure-credential.ts). */
  credential?: TokenCredential;
  logger?: Logger;
}

/** SQLite's busy timeout: a statement waits this long for another connection's write lock. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** Defaults of the settings above when a caller passes none (docs/configuration.md). */
export const DEFAULT_POOL_MAX = 5;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/** The mssql driver config for a SQL Server URL under these options (./sqlserver/driver-config.ts). */
export function sqlserverClientConfig(url: string, options: ClientOptions) {
  return sqlserverDriverConfig(url, {
    poolMax: options.poolMax ?? DEFAULT_POOL_MAX,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ...(options.credential ? { credential: options.credential } : {}),
  });
}

type ClientConstructor = new (options: { adapter: unknown }) => unknown;

const generated: Record<DatabaseKind, Record<DatabaseProvider, () => Promise<{ PrismaClient: unknown }>>> = {
  session: {
    sqlite: () => import('../generated/session-sqlite/client.js'),
    postgresql: () => import('../generated/session-postgresql/client.js'),
    sqlserver: () => import('../generated/session-sqlserver/client.js'),
  },
  school: {
    sqlite: () => import('../generated/school-sqlite/client.js'),
    postgresql: () => import('../generated/school-postgresql/client.js'),
    sqlserver: () => import('../generated/school-sqlserver/client.js'),
  },
};

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
  return { pool, schema };
}

function driverAdapter(
  url: string,
  provider: DatabaseProvider,
  options: ClientOptions,
  shared?: pg.Pool | SharedMssqlAdapter,
): unknown {
  switch (provider) {
    case 'sqlite': {
      const path = sqliteFilePath(url);
      mkdirSync(dirname(path), { recursive: true });
      return new PrismaBetterSqlite3({
        url: `file:${path}`,
        timeout: options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
      });
    }
    case 'postgresql': {
      const pool = shared instanceof pg.Pool ? shared : undefined;
      const target = pool
        ? { pool, schema: postgresClientConfig(url).schema }
        : createPostgresPool(url, options);
      // A pool made here belongs to Prisma ($disconnect ends it); a pool passed in, to the caller.
      return new PrismaPg(target.pool, {
        ...(target.schema ? { schema: target.schema } : {}),
        disposeExternalPool: pool === undefined,
      });
    }
    case 'sqlserver': {
      const adapter =
        shared && !(shared instanceof pg.Pool)
          ? shared
          : createSharedMssqlAdapter(sqlserverClientConfig(url, options), options.logger);
      return adapter.factory;
    }
  }
}

async function createClient(
  kind: DatabaseKind,
  url: string,
  options: ClientOptions,
  shared?: pg.Pool | SharedMssqlAdapter,
): Promise<unknown> {
  const provider = detectProvider(url);
  const adapter = driverAdapter(url, provider, options, shared);
  const module = await generated[kind][provider]();
  const client = new (module.PrismaClient as ClientConstructor)({ adapter });
  if (provider === 'sqlite') {
    // WAL lets readers (the CLI, health checks) work while the sync writes; it is persistent.
    await (client as SessionPrismaClient).$queryRawUnsafe('PRAGMA journal_mode = WAL');
  }
  return client;
}

export async function createSessionPrismaClient(
  url: string,
  options: ClientOptions = {},
): Promise<SessionPrismaClient> {
  return (await createClient('session', url, options)) as SessionPrismaClient;
}

/**
 * `shared`: the connection pool (PostgreSQL) or adapter (SQL Server) the caller also uses for
 * raw SQL and closes itself.
 */
export async function createSchoolPrismaClient(
  url: string,
  options: ClientOptions = {},
  shared?: pg.Pool | SharedMssqlAdapter,
): Promise<SchoolPrismaClient> {
  return (await createClient('school', url, options, shared)) as SchoolPrismaClient;
}
