import type { TokenCredential } from '@azure/identity';
import type { PrismaClient as SchoolPrismaClient } from '../../generated/school-postgresql/client.js';
import type { PrismaClient as SessionPrismaClient } from '../../generated/session-postgresql/client.js';
import type { Logger } from '../../telemetry/index.js';
import type { DatabaseKind } from './names.js';

/**
 * Prisma generates one client per (database, provider). The three generated clients of a
 * database have the same model API; code is typed against the PostgreSQL one and uses only what
 * all three providers support.
 */
export type { SchoolPrismaClient, SessionPrismaClient };

export type PrismaClientOf<K extends DatabaseKind> = K extends 'session'
  ? SessionPrismaClient
  : SchoolPrismaClient;

/** What a dialect's generated-client loader returns: the module's PrismaClient class. */
export type GeneratedClientModule = () => Promise<{ PrismaClient: unknown }>;

/** `new PrismaClient({ adapter })` for a dynamically imported generated client. */
export async function newPrismaClient<K extends DatabaseKind>(
  load: GeneratedClientModule,
  adapter: unknown,
): Promise<PrismaClientOf<K>> {
  const { PrismaClient } = await load();
  return new (PrismaClient as new (options: { adapter: unknown }) => PrismaClientOf<K>)({ adapter });
}

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

/** Defaults of the settings above when a caller passes none (docs/configuration.md). */
export const DEFAULT_POOL_MAX = 5;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
