import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaMssql } from '@prisma/adapter-mssql';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { PrismaClient as SchoolPrismaClient } from '../generated/school-postgresql/client.js';
import type { PrismaClient as SessionPrismaClient } from '../generated/session-postgresql/client.js';
import type { Logger } from '../telemetry/index.js';
import type { DatabaseKind } from './migrate/files.js';
import { postgresClientConfig } from './migrate/postgres-target.js';
import {
  type DatabaseProvider,
  detectProvider,
  sqliteFilePath,
  sqlserverParameter,
  withSqlServerPoolLimit,
} from './url.js';

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
  /** Close pooled connections idle this long (PostgreSQL, SQL Server). */
  idleTimeoutMs?: number;
  /** SQLite: how long a statement waits for another connection's write lock. */
  busyTimeoutMs?: number;
  logger?: Logger;
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
    max: options.poolMax ?? 5,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
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
  pool?: pg.Pool,
): unknown {
  const poolMax = options.poolMax ?? 5;
  switch (provider) {
    case 'sqlite': {
      const path = sqliteFilePath(url);
      mkdirSync(dirname(path), { recursive: true });
      return new PrismaBetterSqlite3({ url: `file:${path}`, timeout: options.busyTimeoutMs ?? 5_000 });
    }
    case 'postgresql': {
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
      const schema = sqlserverParameter(url, 'schema') ?? undefined;
      return new PrismaMssql(withSqlServerPoolLimit(url, poolMax), {
        ...(schema ? { schema } : {}),
        onPoolError: () => options.logger?.warn('idle SQL Server connection failed'),
      });
    }
  }
}

async function createClient(
  kind: DatabaseKind,
  url: string,
  options: ClientOptions,
  pool?: pg.Pool,
): Promise<unknown> {
  const provider = detectProvider(url);
  const adapter = driverAdapter(url, provider, options, pool);
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

export async function createSchoolPrismaClient(
  url: string,
  options: ClientOptions = {},
  pool?: pg.Pool,
): Promise<SchoolPrismaClient> {
  return (await createClient('school', url, options, pool)) as SchoolPrismaClient;
}
