import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHOOL_DATABASE, tableName } from '../../prisma/models.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { createSchoolDatabaseProvider, type SecretReader } from '../../src/db/school/provider.js';
import type { SchoolDatabaseRef } from '../../src/db/types.js';
import { AppError } from '../../src/errors.js';
import {
  createSqlServerDatabase,
  dropPostgresDatabase,
  POSTGRES_URL,
  postgresAvailable,
  postgresDatabaseUrl,
  postgresQuery,
  sqlserverAvailable,
  sqlserverDatabaseUrl,
  studentRow,
  tempDir,
  uniqueName,
} from './support.js';

const school = (cleverSchoolId: string, extra: Partial<SchoolDatabaseRef> = {}): SchoolDatabaseRef => ({
  id: 1,
  cleverSchoolId,
  connectionSecretName: null,
  databaseName: null,
  ...extra,
});

describe('school database connection factory', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());
  const template = `file:${join(temp.dir, 'school-{schoolId}.db')}`;

  it('resolves a school URL from its secret, else from the template', async () => {
    const secrets: Record<string, string> = {
      'school-database-url-aaa111': `file:${join(temp.dir, 'from-secret.db')}`,
    };
    const reads: string[] = [];
    const getSecret: SecretReader = async (name) => {
      reads.push(name);
      return secrets[name];
    };
    const factory = createSchoolDatabaseProvider({ urlTemplate: template, getSecret, sweepIdle: false });
    expect(await factory.resolveUrl(school('aaa111'))).toEqual({
      url: secrets['school-database-url-aaa111'],
      source: 'secret',
    });
    expect(await factory.resolveUrl(school('bbb222'))).toEqual({
      url: `file:${join(temp.dir, 'school-bbb222.db')}`,
      source: 'template',
    });
    expect(reads).toEqual(['school-database-url-aaa111', 'school-database-url-bbb222']);
  });

  it('fails clearly when a named secret is missing, and never falls back when the store is down', async () => {
    const missing = createSchoolDatabaseProvider({
      urlTemplate: template,
      getSecret: async () => undefined,
      sweepIdle: false,
    });
    await expect(
      missing.forSchool(school('ccc333', { connectionSecretName: 'custom-secret' })),
    ).rejects.toMatchObject({
      code: 'SECRET_NOT_FOUND',
      message: expect.stringContaining('custom-secret'),
    });
    const down = createSchoolDatabaseProvider({
      urlTemplate: template,
      getSecret: async () => {
        throw new AppError('SECRET_STORE_UNAVAILABLE', 'Key Vault unreachable', { transient: true });
      },
      sweepIdle: false,
    });
    await expect(down.forSchool(school('ddd444'))).rejects.toMatchObject({
      code: 'SECRET_STORE_UNAVAILABLE',
    });
    expect(() => createSchoolDatabaseProvider({ urlTemplate: 'file:./one.db' })).toThrow(/\{schoolId\}/);
    await expect(missing.forSchool(school('../../etc'))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses a template that puts every school in one database, whichever provider', () => {
    for (const shared of [
      `file:${join(temp.dir, 'all.db')}?school={schoolId}`,
      'postgresql://app@db.example:5432/schools?application_name={schoolId}',
      'sqlserver://db.example:1433;database=schools;applicationName={schoolId}',
    ]) {
      expect(() => createSchoolDatabaseProvider({ urlTemplate: shared, sweepIdle: false })).toThrow(
        /puts every school in the same database/,
      );
    }
    // One database per school, or one schema per school in a shared database, are both fine.
    for (const separate of [
      template,
      'postgresql://app@db.example:5432/school_{schoolId}',
      'postgresql://app@db.example:5432/schools?schema=school_{schoolId}',
      'sqlserver://db.example:1433;database=school-{schoolId}',
    ]) {
      expect(() =>
        createSchoolDatabaseProvider({ urlTemplate: separate, sweepIdle: false }).closeAll(),
      ).not.toThrow();
    }
  });

  it("refuses a school whose secret opens another school's database", async () => {
    const shared = `file:${join(temp.dir, 'shared-by-mistake.db')}`;
    const factory = createSchoolDatabaseProvider({
      urlTemplate: template,
      getSecret: async (name) => (name.endsWith('eee555') || name.endsWith('fff666') ? shared : undefined),
      sweepIdle: false,
    });
    await expect(factory.resolveUrl(school('eee555'))).resolves.toMatchObject({ source: 'secret' });
    // The same school again is fine; another school on the same file is not.
    await expect(factory.resolveUrl(school('eee555'))).resolves.toMatchObject({ source: 'secret' });
    await expect(factory.resolveUrl(school('fff666', { id: 2 }))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/fff666.*is the database of school eee555/),
    });
  });

  it('needs no Key Vault name for a school id Key Vault could not hold (`_`, letters beyond ASCII)', async () => {
    const reads: string[] = [];
    const withStore = createSchoolDatabaseProvider({
      urlTemplate: template,
      getSecret: async (name) => {
        reads.push(name);
        return undefined;
      },
      sweepIdle: false,
    });
    const withoutStore = createSchoolDatabaseProvider({ urlTemplate: template, sweepIdle: false });
    for (const factory of [withStore, withoutStore]) {
      expect(await factory.resolveUrl(school('school_1'))).toMatchObject({ source: 'template' });
      expect((await factory.resolveUrl(school('école-2', { id: 2 }))).url).toContain('school-école-2.db');
    }
    expect(reads).toEqual([]);
  });

  it('provisions a SQLite school database once, then serves a migrated repository', async () => {
    const factory = createSchoolDatabaseProvider({ urlTemplate: template, sweepIdle: false });
    try {
      expect(await factory.provision(school('eee555'))).toEqual({
        databaseName: 'school-eee555.db',
        created: true,
      });
      expect(existsSync(join(temp.dir, 'school-eee555.db'))).toBe(true);
      expect(await factory.provision(school('eee555'))).toEqual({
        databaseName: 'school-eee555.db',
        created: false,
      });
      const repo = await factory.forSchool(school('eee555'));
      expect(await repo.upsert('students', [studentRow(1), studentRow(2)], 'run-1')).toMatchObject({
        created: 2,
      });
      expect(await repo.countActive('students')).toBe(2);
    } finally {
      await factory.closeAll();
    }
  });

  it('caches one client per database, closes idle ones, and reopens them on next use', async () => {
    let now = 0;
    const factory = createSchoolDatabaseProvider({
      urlTemplate: template,
      idleCloseSeconds: 60,
      sweepIdle: false,
      clock: () => now,
    });
    try {
      const first = await factory.forSchool(school('fff666'));
      const again = await factory.forSchool(school('fff666'));
      await first.upsert('teachers', [], 'run-1');
      expect(factory.openClients()).toBe(1);
      await again.countActive('teachers');

      now += 59_000;
      await factory.closeIdle();
      expect(factory.openClients()).toBe(1);
      now += 2_000;
      await factory.closeIdle();
      expect(factory.openClients()).toBe(0);

      // The repository outlives its client: the next call reopens it.
      expect(await first.countActive('teachers')).toBe(0);
      expect(factory.openClients()).toBe(1);
    } finally {
      await factory.closeAll();
    }
    expect(factory.openClients()).toBe(0);
  });

  it('keeps at most maxOpenClients open, closing the least recently used idle one', async () => {
    let now = 0;
    const factory = createSchoolDatabaseProvider({
      urlTemplate: template,
      maxOpenClients: 2,
      sweepIdle: false,
      clock: () => now++,
    });
    try {
      for (const id of ['aa01', 'aa02', 'aa03'])
        await (await factory.forSchool(school(id))).countActive('students');
      await new Promise((resolve) => setImmediate(resolve));
      expect(factory.openClients()).toBe(2);
    } finally {
      await factory.closeAll();
    }
  });
});

describe.skipIf(!postgresAvailable)('school databases on PostgreSQL', () => {
  const prefix = uniqueName('cs_t');
  const created: string[] = [];
  afterAll(async () => {
    for (const database of created) await dropPostgresDatabase(database);
  });

  it('creates the database with a validated name, migrates it, and serves it', async () => {
    const factory = createSchoolDatabaseProvider({
      urlTemplate: postgresDatabaseUrl(`${prefix}_{schoolId}`),
      sweepIdle: false,
    });
    const ref = school('0123456789abcdef01234567');
    const name = `${prefix}_0123456789abcdef01234567`;
    created.push(name);
    try {
      expect(await factory.provision(ref)).toEqual({ databaseName: name, created: true });
      expect(await factory.provision(ref)).toEqual({ databaseName: name, created: false });
      const tables = await postgresQuery<{ tablename: string }>(
        postgresDatabaseUrl(name),
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      expect(tables.map((table) => table.tablename).sort()).toEqual(
        ['_prisma_migrations', ...SCHOOL_DATABASE.models.map(tableName)].sort(),
      );
      const repo = await factory.forSchool(ref);
      expect(await repo.upsert('students', [studentRow(7)], 'run-pg')).toMatchObject({ created: 1 });
    } finally {
      await factory.closeAll();
    }
  });

  it('refuses database names it would have to quote', async () => {
    const factory = createSchoolDatabaseProvider({
      urlTemplate: postgresDatabaseUrl(`${prefix}_{schoolId}`),
      sweepIdle: false,
    });
    await expect(factory.provision(school('Robert-Tables'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    const exists = await postgresQuery(POSTGRES_URL, 'SELECT 1 FROM pg_database WHERE datname ILIKE $1', [
      `%robert%`,
    ]);
    expect(exists).toHaveLength(0);
  });

  it('reports an unreachable school server without revealing its URL', async () => {
    const factory = createSchoolDatabaseProvider({
      urlTemplate: 'postgresql://sync:Pa55wordInUrl@127.0.0.1:1/school_{schoolId}',
      retryCount: 0,
      sweepIdle: false,
    });
    const error = (await factory.forSchool(school('abc123')).catch((caught: unknown) => caught)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(`${error.message} ${JSON.stringify(error.toJSON())}`).not.toContain('Pa55wordInUrl');
  });
});

describe('school databases on SQL Server', () => {
  it('reports an unreachable school server as unavailable, without revealing its URL', async () => {
    const factory = createSchoolDatabaseProvider({
      urlTemplate:
        'sqlserver://127.0.0.1:1;database=school_{schoolId};user=sync;password=Pa55wordInUrl;encrypt=false',
      retryCount: 0,
      sweepIdle: false,
    });
    const error = (await factory.forSchool(school('abc123')).catch((caught: unknown) => caught)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', httpStatus: 503 });
    expect(`${error.message} ${JSON.stringify(error.toJSON())}`).not.toContain('Pa55wordInUrl');
  });

  it.skipIf(!sqlserverAvailable)(
    'provisions a database the infrastructure created: checks it, and serves it once migrated',
    async () => {
      const database = await createSqlServerDatabase();
      const factory = createSchoolDatabaseProvider({
        urlTemplate: sqlserverDatabaseUrl(database.database).replace(database.database, '{schoolId}'),
        sweepIdle: false,
      });
      const ref = school(database.database);
      try {
        await expect(factory.provision(ref)).rejects.toMatchObject({ code: 'DATABASE_NOT_MIGRATED' });
        await applyMigrations({ url: database.url, database: 'school' });
        expect(await factory.provision(ref)).toEqual({ databaseName: database.database, created: false });
        const repo = await factory.forSchool(ref);
        expect(await repo.upsert('students', [studentRow(7)], 'run-mssql')).toMatchObject({ created: 1 });
      } finally {
        await factory.closeAll();
        await database.drop();
      }
    },
  );
});
