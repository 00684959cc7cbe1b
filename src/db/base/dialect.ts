import type { TokenCredential } from '@azure/identity';
import type { Logger } from '../../telemetry/index.js';
import type { ClientOptions, PrismaClientOf, SchoolPrismaClient } from './client-options.js';
import type { ProviderErrorRules } from './error-facts.js';
import type { MigrationReader, MigrationTarget } from './migration-target.js';
import type { DatabaseKind, DatabaseProvider } from './names.js';
import type { RosterDatabase, RosterSql } from './roster-sql.js';

export type { DatabaseKind, DatabaseProvider };

/**
 * Everything provider-specific about a database, behind one interface. `dialectFor(url)`
 * (../dialects.ts) picks one from the connection URL; the rest of src/db asks it instead of
 * comparing provider names. Implementations: ../sqlite, ../postgresql, ../sqlserver, each built only
 * on ./base (this contract and what they share).
 */
export interface Dialect {
  readonly provider: DatabaseProvider;

  // ---------- URLs ----------
  /** How this provider's URLs begin, for the error naming what is supported (`postgresql://`). */
  readonly scheme: string;
  /** True when the URL is this provider's (its scheme). */
  accepts(url: string): boolean;
  /**
   * Which database the URL opens, as a comparable string: two URLs with the same identity write
   * the same tables. Parameters that do not choose the database (credentials, pool sizes,
   * timeouts) are left out. Not for logs: use `describe`.
   */
  identity(url: string): string;
  /** Safe to log: provider, host and database name; never user names, passwords or parameters. */
  describe(url: string): string;
  /** False where a URL only names a local file (not a secret: masking it would hide useful paths). */
  readonly urlMayHoldCredentials: boolean;

  // ---------- clients and connections ----------
  /** A Prisma Client of the database kind, through this provider's driver adapter. */
  createPrismaClient<K extends DatabaseKind>(
    kind: K,
    url: string,
    options: ClientOptions,
  ): Promise<PrismaClientOf<K>>;
  /** A school database's Prisma Client and the executor its roster SQL runs on, sharing one pool. */
  openSchoolConnection(url: string, options: ClientOptions): Promise<SchoolConnection>;
  /** The set-based roster statements (bulk upsert, touch, archive, counts, id pages, delete). */
  readonly rosterSql: RosterSql;

  // ---------- migrations and provisioning ----------
  /** The names `migration_lock.toml` may give this provider (Prisma's). */
  readonly prismaProviderNames: readonly string[];
  /**
   * Which databases the app migrates itself (SessionDb at start-up, a school database on first
   * use and when provisioned). Elsewhere the deployment migrates and the app only checks, so its
   * identity needs no DDL rights.
   */
  readonly appMigrates: Readonly<Record<DatabaseKind, boolean>>;
  /** One session holding Prisma's migration lock; may create the database file or schema. */
  openMigrationTarget(url: string, options: MigrationConnectionOptions): Promise<MigrationTarget>;
  /** Read-only (no lock, no DDL, nothing created); null when there is no database yet (a SQLite file). */
  openMigrationReader(url: string, options: MigrationConnectionOptions): Promise<MigrationReader | null>;
  /** Creates a school's database where clever-sync may; elsewhere only names it. */
  provision(url: string, logger: Logger): Promise<ProvisionResult>;

  // ---------- errors ----------
  /** This provider's transient and constraint errors (../errors.ts combines them). */
  readonly errors: ProviderErrorRules;
}

/** One school database: its Prisma client and the executor the roster repository writes with. */
export interface SchoolConnection {
  provider: DatabaseProvider;
  client: SchoolPrismaClient;
  roster: RosterDatabase;
  close(): Promise<void>;
}

export interface MigrationConnectionOptions {
  /** How long the applier waits for the lock: a statement must be allowed longer. */
  lockTimeoutMs: number;
  /** SQL Server Entra authentication: the app's Azure identity. */
  credential?: TokenCredential;
}

export interface ProvisionResult {
  databaseName: string | null;
  created: boolean;
}
