import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { newPrismaClient, type SessionPrismaClient } from '../base/client-options.js';
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
 * A school database has two connections: Prisma's adapter (Prisma Client reads) and a raw
 * better-sqlite3 one the roster SQL writes through (prepared statements, no adapter per call).
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
    const client = await sqliteDialect.createPrismaClient('school', url, options);
    // WAL (set by createPrismaClient, persistent) lets both connections read while one writes.
    const raw = new Database(sqliteFilePath(url), {
      timeout: options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
    });
    return {
      provider: 'sqlite',
      client,
      roster: sqliteRosterDatabase(raw),
      close: async () => {
        raw.close();
        await client.$disconnect();
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
