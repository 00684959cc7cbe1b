import { newPrismaClient } from '../base/client-options.js';
import type { Dialect, MigrationConnectionOptions } from '../base/dialect.js';
import { createSharedMssqlAdapter } from './adapter.js';
import { sqlserverClientConfig } from './driver-config.js';
import { sqlserverErrorRules } from './errors.js';
import { mssqlRosterDatabase } from './executor.js';
import { migrationRequestTimeoutMs, openSqlServerMigrationTarget } from './migration-target.js';
import { sqlserverRosterSql } from './sql.js';
import { describeSqlServer, isSqlServerUrl, sqlserverDatabase, sqlserverIdentity } from './url.js';

const GENERATED = {
  session: () => import('../../generated/session-sqlserver/client.js'),
  school: () => import('../../generated/school-sqlserver/client.js'),
};

const migrationConnection = (url: string, options: MigrationConnectionOptions) =>
  openSqlServerMigrationTarget(url, {
    requestTimeoutMs: migrationRequestTimeoutMs(options.lockTimeoutMs),
    ...(options.credential ? { credential: options.credential } : {}),
  });

/**
 * SQL Server / Azure SQL, production: the `mssql` driver config built here (./driver-config.ts),
 * one pool per database shared by Prisma's adapter and the roster SQL, which binds declared
 * parameter types (one cached plan per statement). Databases are created by the infrastructure
 * and migrated by the deployment: the app's identity only reads and writes rows.
 */
export const sqlserverDialect: Dialect = {
  provider: 'sqlserver',
  scheme: 'sqlserver://',
  accepts: isSqlServerUrl,
  identity: sqlserverIdentity,
  describe: describeSqlServer,
  urlMayHoldCredentials: true,

  async createPrismaClient(kind, url, options) {
    // The adapter's pool belongs to Prisma: $disconnect disposes it.
    const adapter = createSharedMssqlAdapter(sqlserverClientConfig(url, options), options.logger);
    return newPrismaClient<typeof kind>(GENERATED[kind], adapter.factory);
  },
  async openSchoolConnection(url, options) {
    const adapter = createSharedMssqlAdapter(sqlserverClientConfig(url, options), options.logger);
    const client = await newPrismaClient<'school'>(GENERATED.school, adapter.factory);
    return {
      provider: 'sqlserver',
      client,
      roster: mssqlRosterDatabase(() => adapter.pool()),
      async close() {
        await client.$disconnect().catch(() => undefined);
        await adapter.close();
      },
    };
  },
  // Its migrations create the tables in [dbo]; URLs asking for another schema are refused (./url.ts).
  rosterSql: sqlserverRosterSql('dbo'),

  prismaProviderNames: ['sqlserver'],
  appMigrates: { session: false, school: false },
  openMigrationTarget: migrationConnection,
  openMigrationReader: migrationConnection,
  // Azure SQL databases are created by the infrastructure (elastic pool): nothing to create here.
  provision: async (url) => ({ databaseName: sqlserverDatabase(url), created: false }),

  errors: sqlserverErrorRules,
};
