import type { TokenCredential } from '@azure/identity';
import { type Logger, silentLogger } from '../../telemetry/index.js';
import { dialectFor } from '../dialects.js';
import { applyMigrations } from '../migrate/apply.js';
import { createDatabaseRunner } from '../retry.js';
import type { SessionRepository } from '../types.js';
import { describeDatabase, registerConnectionSecret } from '../url.js';
import { districtsRepository } from './districts.js';
import { historyRepository, runsRepository } from './history.js';
import { leasesRepository } from './leases.js';
import { schoolsRepository } from './schools.js';

export interface SessionRepositoryOptions {
  /** Connections in the pool (DATABASE_POOL_MAX). */
  poolMax?: number;
  /** Pooled connections idle this long are closed (DATABASE_IDLE_CLOSE_SECONDS). */
  idleTimeoutMs?: number;
  /** SQL Server: how long one statement may run (DATABASE_REQUEST_TIMEOUT_SECONDS). */
  requestTimeoutMs?: number;
  /** SQL Server Entra authentication: the app's Azure identity. */
  credential?: TokenCredential;
  /** Retries of transient errors (DATABASE_RETRY_COUNT). */
  retryCount?: number;
  retryInitialDelayMs?: number;
  /**
   * `auto` (default): apply pending migrations where the dialect says the app migrates its
   * SessionDb (SQLite, the embedded default nobody else deploys); server databases are migrated
   * by the deployment (`clever-sync db migrate`, applyMigrations() or `prisma migrate deploy`).
   * `always` / `never` force it.
   */
  migrate?: 'auto' | 'always' | 'never';
  migrationsDir?: string;
  logger?: Logger;
  /** Clock for lease expiry (tests). */
  now?: () => Date;
}

/**
 * Opens the SessionDb: migrates it when asked, connects through the driver adapter for the
 * URL's provider, and checks connectivity (SELECT 1) before returning, so a bad URL or an
 * unreachable server fails at start-up with DATABASE_UNAVAILABLE / DATABASE_ERROR.
 */
export async function createSessionRepository(
  url: string,
  options: SessionRepositoryOptions = {},
): Promise<SessionRepository> {
  registerConnectionSecret(url);
  const dialect = dialectFor(url);
  const logger = (options.logger ?? silentLogger()).child({ component: 'session-db' });
  const migrate = options.migrate ?? 'auto';
  if (migrate === 'always' || (migrate === 'auto' && dialect.appMigrates.session)) {
    const result = await applyMigrations({
      url,
      database: 'session',
      logger,
      ...(options.migrationsDir ? { migrationsDir: options.migrationsDir } : {}),
      ...(options.credential ? { credential: options.credential } : {}),
    });
    if (result.applied.length > 0) logger.info({ applied: result.applied }, 'SessionDb migrated');
  }

  const run = createDatabaseRunner({
    provider: dialect.provider,
    logger,
    ...(options.retryCount === undefined ? {} : { retryCount: options.retryCount }),
    ...(options.retryInitialDelayMs === undefined ? {} : { initialDelayMs: options.retryInitialDelayMs }),
  });
  const client = await dialect.createPrismaClient('session', url, {
    logger,
    ...(options.poolMax === undefined ? {} : { poolMax: options.poolMax }),
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.credential ? { credential: options.credential } : {}),
  });
  const ping = async () => {
    await run('connectivity check', () => client.$queryRawUnsafe('SELECT 1'));
  };
  try {
    await ping();
  } catch (error) {
    await client.$disconnect().catch(() => undefined);
    throw error;
  }
  logger.info({ database: describeDatabase(url) }, 'SessionDb connected');

  return {
    districts: districtsRepository(client, run),
    schools: schoolsRepository(client, run),
    history: historyRepository(client, run),
    runs: runsRepository(client, run),
    leases: leasesRepository(client, run, options.now),
    ping,
    close: () => client.$disconnect(),
  };
}
