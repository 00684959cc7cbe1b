import { PrismaPg } from '@prisma/adapter-pg';
import { newPrismaClient } from '../base/client-options.js';
import type { Dialect } from '../base/dialect.js';
import { postgresErrorRules } from './errors.js';
import { openPostgresMigrationTarget } from './migration-target.js';
import { createPostgresPool } from './pool.js';
import { provisionPostgresDatabase } from './provision.js';
import { postgresRosterDatabase } from './roster-database.js';
import { postgresRosterSql } from './roster-sql.js';
import { describePostgres, isPostgresUrl, postgresIdentity } from './url.js';

const GENERATED = {
  session: () => import('../../generated/session-postgresql/client.js'),
  school: () => import('../../generated/school-postgresql/client.js'),
};

/**
 * PostgreSQL: one bounded `pg` pool per database, which Prisma's adapter and (for school
 * databases) the raw roster SQL share. The app creates and migrates school databases itself; the
 * SessionDb is migrated by the deployment.
 */
export const postgresqlDialect: Dialect = {
  provider: 'postgresql',
  scheme: 'postgresql://',
  accepts: isPostgresUrl,
  identity: postgresIdentity,
  describe: describePostgres,
  urlMayHoldCredentials: true,

  async createPrismaClient(kind, url, options) {
    const { pool, schema } = createPostgresPool(url, options);
    // The pool belongs to Prisma: $disconnect ends it.
    const adapter = new PrismaPg(pool, { ...(schema ? { schema } : {}), disposeExternalPool: true });
    return newPrismaClient<typeof kind>(GENERATED[kind], adapter);
  },
  async openSchoolConnection(url, options) {
    // The roster SQL runs on the raw pool (measurably faster than through Prisma, bench/db-upsert.ts).
    const { pool, schema } = createPostgresPool(url, options);
    // The pool belongs to this connection: close() ends it after Prisma's $disconnect.
    const adapter = new PrismaPg(pool, { ...(schema ? { schema } : {}), disposeExternalPool: false });
    const client = await newPrismaClient<'school'>(GENERATED.school, adapter);
    return {
      provider: 'postgresql',
      client,
      roster: postgresRosterDatabase(pool),
      async close() {
        await client.$disconnect().catch(() => undefined);
        await pool.end().catch(() => undefined);
      },
    };
  },
  rosterSql: postgresRosterSql,

  prismaProviderNames: ['postgresql', 'postgres'],
  appMigrates: { session: false, school: true },
  openMigrationTarget: (url) => openPostgresMigrationTarget(url),
  openMigrationReader: (url) => openPostgresMigrationTarget(url, { readOnly: true }),
  provision: (url, logger) => provisionPostgresDatabase(url, logger),

  errors: postgresErrorRules,
};
