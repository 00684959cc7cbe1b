import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import {
  newPrismaClient,
  type SchoolPrismaClient,
  type SessionPrismaClient,
} from '../base/client-options.js';
import type { Dialect } from '../base/dialect.js';
import { sqliteErrorRules } from './errors.js';
import { openSqliteMigrationTarget } from './migration-target.js';
import { sqliteRosterDatabase } from './roster-database.js';
import { sqliteRosterSql } from './roster-sql.js';
import { isSqliteUrl, sqliteFilePath } from './url.js';

/** SQLite's busy timeout: a statement waits this long for another connection's write lock. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

const GENERATED = {
  session: () => import('../../generated/session-sqlite/client.js'),
  school: () => import('../../generated/school-sqlite/client.js'),
};

/**
 * SQLite, the embedded default: a file per database, which the app creates and migrates itself.
 * A school database's roster SQL runs on a raw better-sqlite3 connection (prepared statements, no
 * adapter per call); its Prisma Client, on a connection of its own, only opens when used.
 */
export const sqliteDialect: Dialect = {
  provider: 'sqlite',
  scheme: 'file: (SQLite)',
  accepts: isSqliteUrl,
  // The file is the database, and its path is no secret: one string serves both.
  identity: (url) => `sqlite:${sqliteFilePath(url)}`,
  describe: (url) => sqliteDialect.identity(url),
  urlMayHoldCredentials: false,

  async createPrismaClient(kind, url, options) {
    const path = sqliteFilePath(url);
    mkdirSync(dirname(path), { recursive: true });
    const adapter = new PrismaBetterSqlite3({
      url: `file:${path}`,
      timeout: options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
    });
    const client = await newPrismaClient<typeof kind>(GENERATED[kind], adapter);
    // WAL lets readers (the CLI, health checks) work while the sync writes; it is persistent.
    await (client as SessionPrismaClient).$queryRawUnsafe('PRAGMA journal_mode = WAL');
    return client;
  },
  async openSchoolConnection(url, options) {
    const path = sqliteFilePath(url);
    const timeout = options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
    const { PrismaClient } = await GENERATED.school();
    const raw = new Database(path, { timeout });
    // WAL lets readers (the CLI, health checks, Prisma Client) work while the sync writes.
    raw.pragma('journal_mode = WAL');
    // The sync writes through `raw` only: Prisma Client (its own connection) is built when first
    // asked for, so a school's sync does not pay for one.
    let client: SchoolPrismaClient | undefined;
    return {
      provider: 'sqlite',
      get client() {
        client ??= new (PrismaClient as unknown as new (options: { adapter: unknown }) => SchoolPrismaClient)(
          {
            adapter: new PrismaBetterSqlite3({ url: `file:${path}`, timeout }),
          },
        );
        return client;
      },
      roster: sqliteRosterDatabase(raw),
      close: async () => {
        raw.close();
        await client?.$disconnect();
      },
    };
  },
  rosterSql: sqliteRosterSql,

  prismaProviderNames: ['sqlite'],
  // Nobody else deploys the embedded default: the app migrates both kinds itself.
  appMigrates: { session: true, school: true },
  openMigrationTarget: async (url) => openSqliteMigrationTarget(url),
  // Never create the file to read its state: no file, no migrations.
  openMigrationReader: async (url) =>
    existsSync(sqliteFilePath(url)) ? openSqliteMigrationTarget(url, { readOnly: true }) : null,
  // The file itself is created by the migration that follows.
  async provision(url) {
    const path = sqliteFilePath(url);
    return { databaseName: basename(path), created: !existsSync(path) };
  },

  errors: sqliteErrorRules,
};
