import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { AppError } from '../../errors.js';
import { isSecretNameSafe, schoolDatabaseUrlSecretName } from '../../secrets/index.js';
import { type Logger, silentLogger } from '../../telemetry/index.js';
import type { DatabaseProvider, Dialect, SchoolConnection } from '../base/dialect.js';
import { dialectFor } from '../dialects.js';
import { applyMigrations, type MigrationState, readMigrationState } from '../migrate/apply.js';
import { createDatabaseRunner, type DatabaseRunner } from '../retry.js';
import type { SchoolDatabaseProvider, SchoolDatabaseRef, SchoolRosterRepository } from '../types.js';
import { databaseIdentity, describeDatabase, registerConnectionSecret } from '../url.js';
import { createSchoolRosterRepository } from './repository.js';

/** Reads one secret; matches CredentialStore.getSecret (src/secrets) without depending on it. */
export type SecretReader = (secretName: string) => Promise<string | undefined>;

export interface SchoolDatabaseProviderOptions {
  /** SCHOOL_DATABASE_URL_TEMPLATE: used when no connection secret exists; `{schoolId}` = Clever school id. */
  urlTemplate: string;
  /** Credential store lookup; without it only the template is used. */
  getSecret?: SecretReader;
  /** Default secret name for a school (default `school-database-url-<cleverSchoolId>`). */
  secretNameFor?: (cleverSchoolId: string) => string;
  /** Connections per school database pool (DATABASE_POOL_MAX). */
  poolMax?: number;
  /** Clients unused this long are closed by closeIdle (DATABASE_IDLE_CLOSE_SECONDS). */
  idleCloseSeconds?: number;
  /** Open clients kept at most; the least recently used idle ones are closed beyond it. */
  maxOpenClients?: number;
  /** DATABASE_RETRY_COUNT. */
  retryCount?: number;
  retryInitialDelayMs?: number;
  /** SQL Server: how long one statement may run (DATABASE_REQUEST_TIMEOUT_SECONDS). */
  requestTimeoutMs?: number;
  /** SQL Server Entra authentication: the app's Azure identity. */
  credential?: TokenCredential;
  /**
   * Providers whose school databases the app migrates itself, on first use and when
   * provisioning (default: those whose dialect says so, SQLite and PostgreSQL). Elsewhere (SQL
   * Server: the app's identity has db_datareader/db_datawriter only) the first use checks the
   * migration state read-only and fails the school with DATABASE_NOT_MIGRATED, naming the
   * command that migrates it.
   */
  migrateOnFirstUse?: DatabaseProvider[];
  /** Rows per upsert transaction. */
  chunkSize?: number;
  /** Run closeIdle on a timer (unref'd); default true. */
  sweepIdle?: boolean;
  migrationsDir?: string;
  logger?: Logger;
  /** Clock (ms) for idle tracking (tests). */
  clock?: () => number;
}

/** The connection factory: SchoolDatabaseProvider plus URL resolution, for health checks and the CLI. */
export interface SchoolDatabaseConnectionFactory extends SchoolDatabaseProvider {
  /** The school's connection URL and where it came from. The URL is a secret: never log it. */
  resolveUrl(school: SchoolDatabaseRef): Promise<{ url: string; source: 'secret' | 'template' }>;
  /** How many clients are open (tests, health). */
  openClients(): number;
}

interface OpenClient {
  dialect: Dialect;
  client: Promise<SchoolConnection>;
  run: DatabaseRunner;
  active: number;
  lastUsed: number;
}

/** Ids the template may carry into a file path or database name: letters (any script), digits, _ and -. */
const SAFE_TEMPLATE_ID = /^[\p{L}\p{N}_-]{1,64}$/u;

/**
 * The template must give each school its own database: `{schoolId}` in the file path or database
 * name, not only in a query string (which a SQLite path drops) or a credential.
 */
export function assertOneDatabasePerSchool(urlTemplate: string): void {
  if (!urlTemplate.includes('{schoolId}')) {
    throw new AppError('CONFIG_INVALID', 'SCHOOL_DATABASE_URL_TEMPLATE must contain {schoolId}');
  }
  const one = databaseIdentity(urlTemplate.replaceAll('{schoolId}', 'aaaaaaaaaaaaaaaaaaaaaaaa'));
  const other = databaseIdentity(urlTemplate.replaceAll('{schoolId}', 'bbbbbbbbbbbbbbbbbbbbbbbb'));
  if (one === other) {
    throw new AppError(
      'CONFIG_INVALID',
      'SCHOOL_DATABASE_URL_TEMPLATE puts every school in the same database: {schoolId} must be part of the file path or database name (or schema), not only of a query parameter',
    );
  }
}

/**
 * Per-school databases. Each school's URL comes from the credential store (secret
 * `school-database-url-<cleverSchoolId>`, or the school's own connectionSecretName) or else from
 * SCHOOL_DATABASE_URL_TEMPLATE. One Prisma client (bounded pool) per distinct URL is cached,
 * migrated on first use where allowed, checked with SELECT 1 when opened, and closed after
 * DATABASE_IDLE_CLOSE_SECONDS without use.
 */
export function createSchoolDatabaseProvider(
  options: SchoolDatabaseProviderOptions,
): SchoolDatabaseConnectionFactory {
  const logger = (options.logger ?? silentLogger()).child({ component: 'school-db' });
  const clock = options.clock ?? Date.now;
  const idleMs = (options.idleCloseSeconds ?? 300) * 1_000;
  const maxOpen = options.maxOpenClients ?? 50;
  const migratesOnFirstUse = (dialect: Dialect) =>
    options.migrateOnFirstUse
      ? options.migrateOnFirstUse.includes(dialect.provider)
      : dialect.appMigrates.school;
  const secretNameFor = options.secretNameFor ?? schoolDatabaseUrlSecretName;
  const clients = new Map<string, OpenClient>();
  const migrated = new Set<string>();

  // A template that went through a URL encoder arrives as %7BschoolId%7D.
  const urlTemplate = options.urlTemplate.replace(/%7BschoolId%7D/gi, '{schoolId}');
  assertOneDatabasePerSchool(urlTemplate);
  /** Database identity -> the Clever school id whose database it is (this process's view). */
  const owners = new Map<string, string>();

  async function resolveUrl(
    school: SchoolDatabaseRef,
  ): Promise<{ url: string; source: 'secret' | 'template' }> {
    const explicit = school.connectionSecretName;
    // An id Key Vault cannot name (an `_`, a letter outside ASCII) has no default secret: the
    // template decides. Only a store is asked; without one no secret name is needed at all.
    const secretName =
      explicit ?? (isSecretNameSafe(school.cleverSchoolId) ? secretNameFor(school.cleverSchoolId) : null);
    if (options.getSecret && secretName !== null) {
      const value = await options.getSecret(secretName);
      if (value?.trim()) {
        registerConnectionSecret(value);
        claim(value.trim(), school, `its connection secret "${secretName}"`);
        return { url: value.trim(), source: 'secret' };
      }
    }
    if (explicit) {
      throw new AppError(
        'SECRET_NOT_FOUND',
        `School ${school.id}'s connection secret "${explicit}" was not found${options.getSecret ? '' : ' (no credential store configured)'}`,
        { details: { schoolId: school.id, secretName: explicit } },
      );
    }
    if (!SAFE_TEMPLATE_ID.test(school.cleverSchoolId)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Clever school id "${school.cleverSchoolId.slice(0, 64)}" cannot name a database (letters, digits, _ and - only)`,
        {
          httpStatus: 400,
          details: { cleverSchoolId: school.cleverSchoolId },
        },
      );
    }
    const url = urlTemplate.replaceAll('{schoolId}', school.cleverSchoolId);
    registerConnectionSecret(url);
    claim(url, school, 'SCHOOL_DATABASE_URL_TEMPLATE');
    return { url, source: 'template' };
  }

  /**
   * Refuses a URL that opens another school's database: a full sync would archive that school's
   * rows as "not seen" (each school's roster is the whole table). Checked for every URL this
   * process resolves; the template is also checked as a whole when the provider is created.
   */
  function claim(url: string, school: SchoolDatabaseRef, source: string): void {
    const identity = databaseIdentity(url);
    const owner = owners.get(identity);
    if (owner === undefined) owners.set(identity, school.cleverSchoolId);
    else if (owner !== school.cleverSchoolId) {
      throw new AppError(
        'CONFIG_INVALID',
        `School ${school.cleverSchoolId}'s database (from ${source}) is the database of school ${owner}: each school needs a database of its own`,
        { details: { cleverSchoolId: school.cleverSchoolId, otherCleverSchoolId: owner } },
      );
    }
  }

  const keyOf = (url: string) => createHash('sha256').update(url).digest('hex');

  const migrationOptions = {
    database: 'school' as const,
    ...(options.migrationsDir ? { migrationsDir: options.migrationsDir } : {}),
    ...(options.credential ? { credential: options.credential } : {}),
  };

  const runnerFor = (dialect: Dialect): DatabaseRunner =>
    createDatabaseRunner({
      provider: dialect.provider,
      logger,
      ...(options.retryCount === undefined ? {} : { retryCount: options.retryCount }),
      ...(options.retryInitialDelayMs === undefined ? {} : { initialDelayMs: options.retryInitialDelayMs }),
    });

  /**
   * Makes sure the school's schema is this version's before it is used: migrates it where the
   * app may change schemas, else checks read-only. Once per URL and process while it succeeds.
   */
  async function ensureMigrated(url: string, dialect: Dialect, school: SchoolDatabaseRef): Promise<void> {
    const key = keyOf(url);
    if (migrated.has(key)) return;
    if (migratesOnFirstUse(dialect)) {
      await applyMigrations({ url, logger, ...migrationOptions });
    } else {
      const state = await runnerFor(dialect)('migration state check', () =>
        readMigrationState({ url, ...migrationOptions }),
      );
      if (state.status !== 'current') throw notMigrated(school, url, state);
    }
    migrated.add(key);
  }

  function open(url: string, school: SchoolDatabaseRef): OpenClient {
    const dialect = dialectFor(url);
    const run = runnerFor(dialect);
    const client = (async () => {
      await ensureMigrated(url, dialect, school);
      const created = await dialect.openSchoolConnection(url, {
        logger,
        idleTimeoutMs: idleMs,
        ...(options.poolMax === undefined ? {} : { poolMax: options.poolMax }),
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
        ...(options.credential ? { credential: options.credential } : {}),
      });
      try {
        await run('connectivity check', () => created.roster.query({ sql: 'SELECT 1', params: [] }));
      } catch (error) {
        await created.close();
        throw error;
      }
      logger.info({ database: describeDatabase(url) }, 'school database connected');
      return created;
    })();
    return { dialect, client, run, active: 0, lastUsed: clock() };
  }

  /** Runs `work` with the URL's client, opening it if needed; in-use clients are never closed. */
  async function withClient<T>(
    url: string,
    school: SchoolDatabaseRef,
    work: (entry: OpenClient, connection: SchoolConnection) => Promise<T>,
  ): Promise<T> {
    const key = keyOf(url);
    let entry = clients.get(key);
    if (!entry) {
      const opened = open(url, school);
      clients.set(key, opened);
      opened.client.catch(() => {
        if (clients.get(key) === opened) clients.delete(key); // a failed open is retried next time
      });
      entry = opened;
    }
    entry.active += 1;
    entry.lastUsed = clock();
    if (clients.size > maxOpen) void evictBeyond(maxOpen).catch(() => undefined);
    try {
      return await work(entry, await entry.client);
    } finally {
      entry.active -= 1;
      entry.lastUsed = clock();
    }
  }

  async function close(key: string, entry: OpenClient): Promise<void> {
    clients.delete(key);
    const connection = await entry.client.catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }

  async function evictBeyond(limit: number): Promise<void> {
    if (clients.size <= limit) return;
    const idle = [...clients.entries()]
      .filter(([, entry]) => entry.active === 0)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, entry] of idle.slice(0, clients.size - limit)) await close(key, entry);
  }

  function repositoryFor(
    url: string,
    school: SchoolDatabaseRef,
    { dialect, run }: OpenClient,
  ): SchoolRosterRepository {
    return createSchoolRosterRepository({
      run,
      sql: dialect.rosterSql,
      ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      // Each unit of work re-acquires the client, so one closed while idle reopens transparently.
      use: (work) => withClient(url, school, (_entry, connection) => work(connection.roster)),
    });
  }

  const sweep =
    options.sweepIdle === false
      ? undefined
      : setInterval(() => void factory.closeIdle().catch(() => undefined), Math.max(1_000, idleMs / 2));
  sweep?.unref();

  const factory: SchoolDatabaseConnectionFactory = {
    resolveUrl,
    openClients: () => clients.size,
    async forSchool(school) {
      const { url } = await resolveUrl(school);
      const entry = await withClient(url, school, async (opened) => opened);
      return repositoryFor(url, school, entry);
    },
    async provision(school) {
      const { url } = await resolveUrl(school);
      const dialect = dialectFor(url);
      const result = await dialect.provision(url, logger);
      await ensureMigrated(url, dialect, school);
      logger.info(
        { schoolId: school.id, database: describeDatabase(url), created: result.created },
        'school database provisioned',
      );
      return result;
    },
    async closeIdle() {
      const now = clock();
      for (const [key, entry] of [...clients.entries()]) {
        if (entry.active === 0 && now - entry.lastUsed >= idleMs) await close(key, entry);
      }
    },
    async closeAll() {
      if (sweep) clearInterval(sweep);
      await Promise.all([...clients.entries()].map(([key, entry]) => close(key, entry)));
    },
  };
  return factory;
}

/** The school's schema is not this version's, and this identity may not change it. */
function notMigrated(school: SchoolDatabaseRef, url: string, state: MigrationState): AppError {
  const command = `clever-sync db migrate --school ${school.cleverSchoolId}`;
  const what =
    state.status === 'missing'
      ? 'has not been migrated (no _prisma_migrations table)'
      : state.status === 'failed'
        ? `has a failed migration to repair first (${state.failed.join(', ')}, docs/database.md)`
        : `is behind this version (pending: ${state.pending.join(', ')})`;
  return new AppError(
    'DATABASE_NOT_MIGRATED',
    `School ${school.id} (${school.cleverSchoolId}): its database ${describeDatabase(url)} ${what}; ` +
      `run \`${command}\` as an identity allowed to change the schema (docs/deployment.md)`,
    {
      details: {
        schoolId: school.id,
        cleverSchoolId: school.cleverSchoolId,
        status: state.status,
        pending: state.pending,
        failed: state.failed,
        command,
      },
    },
  );
}
