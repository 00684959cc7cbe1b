/**
 * An app identity that may read and write rows but not change the schema (SQL Server's
 * db_datareader + db_datawriter, as docs/deployment.md grants): a school database it may not
 * migrate is checked read-only on first use, and one that is missing or behind fails that school
 * with DATABASE_NOT_MIGRATED naming the command that fixes it, instead of a CREATE TABLE
 * permission error half-way into a migration. The check reads `_prisma_migrations` with the
 * applier's own per-provider code: here on SQLite and on PostgreSQL under a role without CREATE;
 * SQL Server's statements run against a fake server in sqlserver-driver.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrationState } from '../../src/db/migrate/apply.js';
import { migrationsDirectory, readMigrations } from '../../src/db/migrate/files.js';
import { createSchoolDatabaseProvider } from '../../src/db/school/provider.js';
import type { SchoolDatabaseRef } from '../../src/db/types.js';
import {
  createSqlServerDatabase,
  dropPostgresDatabase,
  POSTGRES_URL,
  postgresAvailable,
  postgresDatabaseUrl,
  SQLSERVER_URL,
  sqlserverAvailable,
  sqlserverQuery,
  studentRow,
  tempDir,
  uniqueName,
} from './support.js';

const school = (cleverSchoolId: string): SchoolDatabaseRef => ({
  id: 11,
  cleverSchoolId,
  connectionSecretName: null,
  databaseName: null,
});

/** This version's school migrations plus one more, as the next release would ship. */
function withNextMigration(root: string, provider: 'sqlite' | 'postgresql'): string {
  const dir = join(root, `next-${provider}`);
  cpSync(migrationsDirectory('school', provider), dir, { recursive: true });
  mkdirSync(join(dir, '20990101000000_next'), { recursive: true });
  writeFileSync(
    join(dir, '20990101000000_next', 'migration.sql'),
    'CREATE TABLE "next_release" ("id" INTEGER);\n',
  );
  return dir;
}

const initial = readMigrations(migrationsDirectory('school', 'sqlite')).migrations.map((m) => m.name);

describe('school databases the app may not migrate (SQLite)', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());
  const template = `file:${join(temp.dir, 'school-{schoolId}.db')}`;

  it('fails a never-migrated school with the command to run, creating nothing', async () => {
    const schools = createSchoolDatabaseProvider({
      urlTemplate: template,
      migrateOnFirstUse: [],
      sweepIdle: false,
    });
    try {
      for (const attempt of [
        () => schools.provision(school('new001')),
        () => schools.forSchool(school('new001')),
      ]) {
        const error = await attempt().catch((caught: unknown) => caught);
        expect(error).toMatchObject({
          code: 'DATABASE_NOT_MIGRATED',
          transient: false,
          details: { status: 'missing', cleverSchoolId: 'new001', pending: initial },
        });
        expect((error as Error).message).toContain('run `clever-sync db migrate --school new001`');
      }
      expect(existsSync(join(temp.dir, 'school-new001.db'))).toBe(false);
    } finally {
      await schools.closeAll();
    }
  });

  it('serves the school once the deployment migrated it, and names pending migrations when it falls behind', async () => {
    const url = `file:${join(temp.dir, 'school-mig002.db')}`;
    await applyMigrations({ url, database: 'school' });
    const current = createSchoolDatabaseProvider({
      urlTemplate: template,
      migrateOnFirstUse: [],
      sweepIdle: false,
    });
    try {
      const roster = await current.forSchool(school('mig002'));
      expect(await roster.upsert('students', [studentRow(1)], 'run-1')).toMatchObject({ created: 1 });
    } finally {
      await current.closeAll();
    }

    const next = withNextMigration(temp.dir, 'sqlite');
    expect(await readMigrationState({ url, database: 'school', migrationsDir: next })).toEqual({
      status: 'behind',
      pending: ['20990101000000_next'],
      failed: [],
    });
    const upgraded = createSchoolDatabaseProvider({
      urlTemplate: template,
      migrateOnFirstUse: [],
      migrationsDir: next,
      sweepIdle: false,
    });
    try {
      await expect(upgraded.forSchool(school('mig002'))).rejects.toMatchObject({
        code: 'DATABASE_NOT_MIGRATED',
        message: expect.stringMatching(/behind this version \(pending: 20990101000000_next\)/),
      });
      await applyMigrations({ url, database: 'school', migrationsDir: next });
      // Not cached as failed: the next sync finds the school migrated.
      expect(await (await upgraded.forSchool(school('mig002'))).countActive('students')).toBe(1);
    } finally {
      await upgraded.closeAll();
    }
  });
});

describe.skipIf(!postgresAvailable)('school databases under a PostgreSQL role without CREATE', () => {
  const temp = tempDir();
  const role = uniqueName('cs_app');
  const database = uniqueName('cs_lp');
  const admin = async (sql: string, url = POSTGRES_URL) => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const adminUrl = postgresDatabaseUrl(database);
  const appUrl = (() => {
    const url = new URL(adminUrl);
    url.username = role;
    url.password = '';
    return url.toString();
  })();
  const appTemplate = appUrl.replace(database, `${database.slice(0, -6)}{schoolId}`);
  const ref = school(database.slice(-6));

  afterAll(async () => {
    await dropPostgresDatabase(database);
    await admin(`DROP ROLE IF EXISTS "${role}"`);
    temp.cleanup();
  });

  it('fails clearly until the deployment identity migrates, then reads and writes with row rights only', async () => {
    // What the infrastructure does: the database, and a login with no right to change the schema.
    await admin(`CREATE DATABASE "${database}"`);
    await admin(`CREATE ROLE "${role}" LOGIN`);
    await admin(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`, adminUrl);
    expect(appTemplate.replace('{schoolId}', ref.cleverSchoolId)).toBe(appUrl);

    // The old behaviour: the app migrates on first use and fails half-way with a permission error.
    const migrating = createSchoolDatabaseProvider({ urlTemplate: appTemplate, sweepIdle: false });
    await expect(migrating.provision(ref)).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('permission denied'),
    });
    await migrating.closeAll();

    const checking = createSchoolDatabaseProvider({
      urlTemplate: appTemplate,
      migrateOnFirstUse: [],
      sweepIdle: false,
    });
    try {
      await expect(checking.provision(ref)).rejects.toMatchObject({
        code: 'DATABASE_NOT_MIGRATED',
        message: expect.stringContaining(`clever-sync db migrate --school ${ref.cleverSchoolId}`),
      });

      // The deployment identity migrates; the app's role gets row rights (db_datareader/db_datawriter).
      await applyMigrations({ url: adminUrl, database: 'school' });
      await admin(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${role}";
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "${role}"`,
        adminUrl,
      );
      expect(await checking.provision(ref)).toEqual({ databaseName: database, created: false });
      const roster = await checking.forSchool(ref);
      expect(await roster.upsert('students', [studentRow(1), studentRow(2)], 'run-1')).toMatchObject({
        created: 2,
      });
    } finally {
      await checking.closeAll();
    }

    const next = withNextMigration(temp.dir, 'postgresql');
    expect(await readMigrationState({ url: appUrl, database: 'school', migrationsDir: next })).toMatchObject({
      status: 'behind',
      pending: ['20990101000000_next'],
    });
  });
});

describe.skipIf(!sqlserverAvailable)(
  'school databases under the documented SQL Server roles (db_datareader, db_datawriter)',
  () => {
    const login = uniqueName('cs_app');
    // SQL Server's password policy wants upper and lower case, digits and a symbol.
    const password = `Aa1!${randomBytes(12).toString('hex')}`;
    let drop: (() => Promise<void>) | undefined;
    afterAll(async () => {
      await drop?.();
      if (SQLSERVER_URL)
        await sqlserverQuery(SQLSERVER_URL, `IF SUSER_ID(N'${login}') IS NOT NULL DROP LOGIN [${login}]`);
    });

    it('fails clearly until the deployment identity migrates, then syncs with row rights only', async () => {
      const database = await createSqlServerDatabase('cs_lp');
      drop = database.drop;
      await sqlserverQuery(SQLSERVER_URL!, `CREATE LOGIN [${login}] WITH PASSWORD = N'${password}'`);
      await sqlserverQuery(
        database.url,
        `CREATE USER [${login}] FOR LOGIN [${login}];
       ALTER ROLE db_datareader ADD MEMBER [${login}];
       ALTER ROLE db_datawriter ADD MEMBER [${login}];`,
      );
      const appUrl = database.url
        .split(';')
        .filter((part) => !/^\s*(user|username|uid|userid|password|pwd)\s*=/i.test(part))
        .concat([`user=${login}`, `password={${password}}`])
        .join(';');
      const ref = school('lp0001');
      const schools = createSchoolDatabaseProvider({
        urlTemplate: `${appUrl};x={schoolId}`,
        sweepIdle: false,
      });
      try {
        // SQL Server is not migrated on first use by default: the app checks, read-only.
        await expect(schools.provision(ref)).rejects.toMatchObject({
          code: 'DATABASE_NOT_MIGRATED',
          message: expect.stringContaining('clever-sync db migrate --school lp0001'),
        });
        // The app's login could not have migrated it anyway.
        await expect(applyMigrations({ url: appUrl, database: 'school' })).rejects.toMatchObject({
          code: 'MIGRATION_FAILED',
        });

        await applyMigrations({ url: database.url, database: 'school' });
        await schools.provision(ref);
        const roster = await schools.forSchool(ref);
        expect(await roster.upsert('students', [studentRow(1), studentRow(2)], 'run-1')).toMatchObject({
          created: 2,
        });
        expect(await roster.archiveUnseen('students', 'run-2', new Date())).toBe(2);
      } finally {
        await schools.closeAll();
      }
    });
  },
);
