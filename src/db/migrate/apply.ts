import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { AppError } from '../../errors.js';
import { type Logger, redactText, silentLogger } from '../../telemetry/index.js';
import type { DatabaseKind, DatabaseProvider, Dialect } from '../base/dialect.js';
import { databaseErrorCode } from '../base/error-facts.js';
import type { MigrationRecord, MigrationTarget } from '../base/migration-target.js';
import { dialectFor } from '../dialects.js';
import { isTransientDatabaseError, toDatabaseError } from '../errors.js';
import { describeDatabase } from '../url.js';
import { type MigrationFile, migrationsDirectory, readMigrations, scriptMatchesChecksum } from './files.js';

export interface ApplyMigrationsOptions {
  url: string;
  database: DatabaseKind;
  /** Defaults to prisma/<database>/<provider>/migrations. */
  migrationsDir?: string;
  /** How long to wait for another applier (or `prisma migrate deploy`) holding the lock. */
  lockTimeoutMs?: number;
  /** SQL Server Entra authentication: the app's Azure identity. */
  credential?: TokenCredential;
  logger?: Logger;
}

const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export interface ApplyMigrationsResult {
  applied: string[];
  alreadyApplied: string[];
  /** Applied migrations whose migration.sql changed since (reported, as Prisma does, not blocking). */
  checksumMismatches: string[];
  /** Applied in the database but absent here: the database is newer than this code. */
  missingLocally: string[];
}

/**
 * Applies pending migrations the way `prisma migrate deploy` does, so that either tool can take
 * over from the other (Prisma has no programmatic API: prisma/prisma#4703):
 * - takes Prisma's lock (pg_advisory_lock(72707369) / sp_getapplock 'prisma_migrate' / SQLite
 *   exclusive locking mode);
 * - creates `_prisma_migrations` with Prisma's DDL, refusing a non-empty schema without it;
 * - refuses to continue while a failed migration (finished_at and rolled_back_at NULL) exists;
 * - per pending migration, in name order: inserts a row (UUID v4 id, sha256 checksum,
 *   started_at), runs migration.sql, then sets finished_at and applied_steps_count = 1, or
 *   writes the error to `logs` and stops.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const dialect = dialectFor(options.url);
  return oneAtATime(dialect.identity(options.url), () => apply(options, dialect));
}

const running = new Map<string, Promise<unknown>>();

/**
 * Appliers in one process take turns per database (by its identity). The database lock excludes
 * other processes, but better-sqlite3 waits for a lock synchronously: a second applier in the
 * same process would block the event loop the first one needs to finish.
 */
async function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = running.get(key) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(work);
  running.set(key, current);
  try {
    return await current;
  } finally {
    if (running.get(key) === current) running.delete(key);
  }
}

async function apply(options: ApplyMigrationsOptions, dialect: Dialect): Promise<ApplyMigrationsResult> {
  const { provider } = dialect;
  const logger = (options.logger ?? silentLogger()).child({
    component: 'db-migrate',
    database: options.database,
  });
  const migrations = localMigrations(options, dialect);

  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const target = await dialect
    .openMigrationTarget(options.url, connectionOptions(options, lockTimeoutMs))
    .catch((error: unknown) => {
      throw migrationError(
        `Cannot connect to the ${options.database} database to migrate it`,
        error,
        provider,
      );
    });
  try {
    await target.lock(lockTimeoutMs).catch((error: unknown) => {
      throw migrationError(
        'Timed out waiting for the migration lock (another migration is running?)',
        error,
        provider,
        true,
      );
    });
    await initialize(target, options.database);
    const records = await target.listMigrations();
    assertNoFailedMigrations(records);

    const applied = records.filter((record) => record.rolledBackAt === null);
    const appliedNames = new Set(applied.map((record) => record.migrationName));
    const localNames = new Set(migrations.map((migration) => migration.name));
    const result: ApplyMigrationsResult = {
      applied: [],
      alreadyApplied: migrations.filter((migration) => appliedNames.has(migration.name)).map((m) => m.name),
      checksumMismatches: migrations
        .filter((migration) =>
          applied.some(
            (record) =>
              record.migrationName === migration.name &&
              !scriptMatchesChecksum(migration.script, record.checksum),
          ),
        )
        .map((migration) => migration.name),
      missingLocally: [...appliedNames].filter((name) => !localNames.has(name)),
    };
    if (result.checksumMismatches.length > 0) {
      logger.warn(
        { migrations: result.checksumMismatches },
        'applied migrations were edited after being applied (checksum mismatch): the database may differ from the models',
      );
    }
    if (result.missingLocally.length > 0) {
      logger.warn(
        { migrations: result.missingLocally },
        'the database has migrations this version does not know',
      );
    }

    for (const migration of migrations.filter((candidate) => !appliedNames.has(candidate.name))) {
      const id = randomUUID();
      await target.recordStarted(id, migration.name, migration.checksum, new Date());
      try {
        await target.applyScript(migration.script);
      } catch (error) {
        const logs = failureLogs(migration.name, error);
        await target.recordFailed(id, logs).catch(() => undefined);
        throw new AppError('MIGRATION_FAILED', `Migration ${migration.name} failed: ${logs}`, {
          details: { migration: migration.name, provider, code: databaseErrorCode(error) },
          cause: error,
        });
      }
      await target.recordFinished(id, new Date());
      result.applied.push(migration.name);
      logger.info({ migration: migration.name, target: describeDatabase(options.url) }, 'migration applied');
    }
    return result;
  } catch (error) {
    // A statement of the bookkeeping failed (no right to create _prisma_migrations, a dropped connection).
    throw migrationError(`Migrating the ${options.database} database failed`, error, provider);
  } finally {
    await target.close().catch(() => undefined);
  }
}

function connectionOptions(options: Pick<ApplyMigrationsOptions, 'credential'>, lockTimeoutMs: number) {
  return { lockTimeoutMs, ...(options.credential ? { credential: options.credential } : {}) };
}

/** This version's migrations for the database and provider, checked to be for that provider. */
function localMigrations(
  options: Pick<ApplyMigrationsOptions, 'database' | 'migrationsDir'>,
  { provider, prismaProviderNames }: Dialect,
): MigrationFile[] {
  const dir = options.migrationsDir ?? migrationsDirectory(options.database, provider);
  const { lockProvider, migrations } = readMigrations(dir);
  if (lockProvider && !prismaProviderNames.includes(lockProvider)) {
    throw new AppError(
      'MIGRATION_FAILED',
      `Migrations in ${dir} are for ${lockProvider}, but the database URL is ${provider}`,
      { details: { lockProvider, provider } },
    );
  }
  return migrations;
}

/** Where a database stands against this version's migrations, read without changing anything. */
export interface MigrationState {
  /**
   * `current`: every migration of this version is applied; `missing`: the database has no
   * `_prisma_migrations` (never migrated, or not there at all); `behind`: some are pending;
   * `failed`: a failed migration blocks the others (Prisma's P3009).
   */
  status: 'current' | 'missing' | 'behind' | 'failed';
  pending: string[];
  failed: string[];
}

/**
 * Reads the migration state with the same per-provider code the applier uses, but read-only: no
 * lock, no DDL, no file created. For identities that may read and write rows but not change the
 * schema (least privilege): they check, and the deployment identity migrates. Driver errors are
 * thrown as they are, for the caller's retry runner to classify.
 */
export async function readMigrationState(
  options: Omit<ApplyMigrationsOptions, 'lockTimeoutMs' | 'logger'>,
): Promise<MigrationState> {
  const dialect = dialectFor(options.url);
  const names = localMigrations(options, dialect).map((migration) => migration.name);
  const missing: MigrationState = { status: 'missing', pending: names, failed: [] };
  const target = await dialect.openMigrationReader(
    options.url,
    connectionOptions(options, DEFAULT_LOCK_TIMEOUT_MS),
  );
  if (!target) return missing;
  try {
    if (!(await target.hasMigrationsTable())) return missing;
    const records = await target.listMigrations();
    const failed = records
      .filter((record) => record.finishedAt === null && record.rolledBackAt === null)
      .map((record) => record.migrationName);
    const applied = new Set(
      records
        .filter((record) => record.finishedAt !== null && record.rolledBackAt === null)
        .map((record) => record.migrationName),
    );
    const pending = names.filter((name) => !applied.has(name));
    const status = failed.length > 0 ? 'failed' : pending.length > 0 ? 'behind' : 'current';
    return { status, pending, failed };
  } finally {
    await target.close().catch(() => undefined);
  }
}

async function initialize(target: MigrationTarget, database: DatabaseKind): Promise<void> {
  if (await target.hasMigrationsTable()) return;
  const tables = await target.userTables();
  if (tables.length > 0) {
    // Prisma's P3005: never guess what an unmanaged schema contains.
    throw new AppError(
      'MIGRATION_FAILED',
      `The ${database} database is not empty but has no _prisma_migrations table; baseline it first ` +
        '(prisma migrate resolve --applied <migration>, see docs/database.md)',
      { details: { tables: tables.slice(0, 20) } },
    );
  }
  await target.createMigrationsTable();
}

function assertNoFailedMigrations(records: MigrationRecord[]): void {
  const failed = records.filter((record) => record.finishedAt === null && record.rolledBackAt === null);
  if (failed.length === 0) return;
  const details = failed
    .map(
      (record) =>
        `The \`${record.migrationName}\` migration started at ${record.startedAt?.toISOString() ?? '?'} failed` +
        (record.logs?.trim() ? ` with the following logs:\n${redactText(record.logs.trim())}` : ''),
    )
    .join('\n');
  // Prisma's P3009: a human resolves it (prisma migrate resolve --rolled-back|--applied).
  throw new AppError(
    'MIGRATION_FAILED',
    `Found failed migrations in the target database, new migrations will not be applied (resolve with prisma migrate resolve, docs/database.md).\n${details}`,
    { details: { failed: failed.map((record) => record.migrationName) } },
  );
}

/** What Prisma writes to `logs`: the migration and the database's error, never a URL. */
function failureLogs(name: string, error: unknown): string {
  const code = databaseErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return redactText(
    `Migration name: ${name}\n\n${code ? `Database error code: ${code}\n\n` : ''}Database error:\n${message}`,
  );
}

function migrationError(
  message: string,
  error: unknown,
  provider: DatabaseProvider,
  transient = isTransientDatabaseError(error, provider),
): AppError {
  if (error instanceof AppError) return error;
  const code = databaseErrorCode(error);
  // The driver's own words (tables, permissions), redacted, after what we were doing.
  const reason = toDatabaseError(error, 'migration', provider).message.replace(/^[^:]*\)(: )?/, '');
  return new AppError(
    'MIGRATION_FAILED',
    `${message} (${provider}${code ? ` ${code}` : ''})${reason ? `: ${reason}` : ''}`,
    { transient, details: { provider, code }, cause: error },
  );
}
