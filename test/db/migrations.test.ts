import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mssql from 'mssql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { migrationsDirectory, readMigrations } from '../../src/db/migrate/files.js';
import { sqlserverClientConfig } from '../../src/db/sqlserver/driver-config.js';
import {
  createPostgresSchema,
  createSqlServerDatabase,
  POSTGRES_URL,
  postgresAvailable,
  postgresQuery,
  sqlserverAvailable,
  sqlserverQuery,
  tempDir,
} from './support.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A copy of the school migrations plus extra ones, in a folder the test may edit. */
function migrationsCopy(
  root: string,
  provider: 'sqlite' | 'postgresql' | 'sqlserver',
  extra: Record<string, string> = {},
): string {
  const dir = join(root, `migrations-${provider}-${Math.random().toString(16).slice(2)}`);
  cpSync(migrationsDirectory('school', provider), dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe('migration applier on SQLite', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());
  const sqliteRows = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT * FROM _prisma_migrations ORDER BY started_at').all() as Record<
        string,
        unknown
      >[];
    } finally {
      db.close();
    }
  };

  it('records _prisma_migrations as prisma migrate deploy does, and is idempotent', async () => {
    const path = join(temp.dir, 'fresh', 'school.db');
    const url = `file:${path}`;
    const first = await applyMigrations({ url, database: 'school' });
    const { migrations } = readMigrations(migrationsDirectory('school', 'sqlite'));
    expect(first.applied).toEqual(migrations.map((migration) => migration.name));

    const second = await applyMigrations({ url, database: 'school' });
    expect(second).toEqual({
      applied: [],
      alreadyApplied: first.applied,
      checksumMismatches: [],
      missingLocally: [],
    });

    const rows = sqliteRows(path);
    expect(rows).toHaveLength(migrations.length);
    const [row] = rows;
    const script = readFileSync(
      join(migrationsDirectory('school', 'sqlite'), String(row?.migration_name), 'migration.sql'),
      'utf8',
    );
    expect(row).toMatchObject({
      checksum: sha256(script),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(row?.id).toMatch(UUID_V4);
    // Prisma's SQLite engine stores these as Unix epoch milliseconds.
    expect(typeof row?.started_at).toBe('number');
    expect(Number(row?.finished_at)).toBeGreaterThanOrEqual(Number(row?.started_at));
  });

  it('records a failed migration with its logs, rolls its script back, then blocks until resolved', async () => {
    const path = join(temp.dir, 'failing', 'school.db');
    const url = `file:${path}`;
    const dir = migrationsCopy(temp.dir, 'sqlite', {
      '20990101000000_broken':
        'CREATE TABLE "half_done" ("id" INTEGER);\nINSERT INTO "no_such_table" VALUES (1);\n',
    });
    await expect(applyMigrations({ url, database: 'school', migrationsDir: dir })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('20990101000000_broken'),
    });
    const failed = sqliteRows(path).find((row) => row.migration_name === '20990101000000_broken');
    expect(failed).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(String(failed?.logs)).toContain('no such table: no_such_table');
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    db.close();

    // Fixing the file is not enough: a failed row blocks every later run (Prisma's P3009).
    writeFileSync(
      join(dir, '20990101000000_broken', 'migration.sql'),
      'CREATE TABLE "half_done" ("id" INTEGER);\n',
    );
    await expect(applyMigrations({ url, database: 'school', migrationsDir: dir })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringMatching(/failed migrations[\s\S]*20990101000000_broken/),
    });

    // What `prisma migrate resolve --rolled-back` does; then the fixed migration applies.
    const writable = new Database(path);
    writable
      .prepare('UPDATE _prisma_migrations SET rolled_back_at = ? WHERE finished_at IS NULL')
      .run(Date.now());
    writable.close();
    const resolved = await applyMigrations({ url, database: 'school', migrationsDir: dir });
    expect(resolved.applied).toEqual(['20990101000000_broken']);
  });

  it('reports (without failing) an applied migration whose file changed', async () => {
    const url = `file:${join(temp.dir, 'edited', 'school.db')}`;
    const dir = migrationsCopy(temp.dir, 'sqlite', {
      '20990101000000_extra': 'CREATE TABLE "extra" ("id" INTEGER);\n',
    });
    await applyMigrations({ url, database: 'school', migrationsDir: dir });
    writeFileSync(
      join(dir, '20990101000000_extra', 'migration.sql'),
      'CREATE TABLE "extra" ("id" INTEGER, "x" TEXT);\n',
    );
    const result = await applyMigrations({ url, database: 'school', migrationsDir: dir });
    expect(result.checksumMismatches).toEqual(['20990101000000_extra']);
    expect(result.applied).toEqual([]);
  });

  it('tolerates CRLF line endings in an applied migration, as Prisma does', async () => {
    const url = `file:${join(temp.dir, 'crlf', 'school.db')}`;
    const dir = migrationsCopy(temp.dir, 'sqlite', {
      '20990101000000_extra': 'CREATE TABLE "extra" ("id" INTEGER);\n',
    });
    await applyMigrations({ url, database: 'school', migrationsDir: dir });
    writeFileSync(
      join(dir, '20990101000000_extra', 'migration.sql'),
      'CREATE TABLE "extra" ("id" INTEGER);\r\n',
    );
    expect(
      (await applyMigrations({ url, database: 'school', migrationsDir: dir })).checksumMismatches,
    ).toEqual([]);
  });

  it('serializes concurrent appliers on one file: each migration is applied once', async () => {
    const path = join(temp.dir, 'concurrent', 'school.db');
    const results = await Promise.all(
      [1, 2, 3].map(() => applyMigrations({ url: `file:${path}`, database: 'school' })),
    );
    const { migrations } = readMigrations(migrationsDirectory('school', 'sqlite'));
    expect(results.flatMap((result) => result.applied).sort()).toEqual(
      migrations.map((migration) => migration.name),
    );
    expect(sqliteRows(path)).toHaveLength(migrations.length);
  });

  it('refuses a non-empty database without _prisma_migrations, and migrations of another provider', async () => {
    const path = join(temp.dir, 'unmanaged.db');
    const db = new Database(path);
    db.exec('CREATE TABLE legacy (id INTEGER)');
    db.close();
    await expect(applyMigrations({ url: `file:${path}`, database: 'school' })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('not empty'),
    });
    await expect(
      applyMigrations({
        url: `file:${join(temp.dir, 'other.db')}`,
        database: 'school',
        migrationsDir: migrationsDirectory('school', 'postgresql'),
      }),
    ).rejects.toMatchObject({ code: 'MIGRATION_FAILED', message: expect.stringContaining('postgresql') });
  });
});

describe.skipIf(!postgresAvailable)('migration applier on PostgreSQL', () => {
  const temp = tempDir();
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
    temp.cleanup();
  });
  let url: string;
  beforeAll(async () => {
    const schema = await createPostgresSchema();
    drops.push(schema.drop);
    url = schema.url;
  });

  it('applies once, records Prisma-format rows, and is idempotent', async () => {
    const first = await applyMigrations({ url, database: 'session' });
    expect(first.applied.length).toBeGreaterThan(0);
    expect((await applyMigrations({ url, database: 'session' })).applied).toEqual([]);
    const rows = await postgresQuery<Record<string, unknown>>(url, 'SELECT * FROM _prisma_migrations');
    expect(rows).toHaveLength(first.applied.length);
    expect(rows[0]).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
    expect(rows[0]?.id).toMatch(UUID_V4);
    expect(rows[0]?.started_at).toBeInstanceOf(Date);
    const columns = await postgresQuery<{ column_name: string; data_type: string }>(
      url,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '_prisma_migrations' AND table_schema = current_schema() ORDER BY ordinal_position",
    );
    expect(columns.map((column) => `${column.column_name}:${column.data_type}`)).toEqual([
      'id:character varying',
      'checksum:character varying',
      'finished_at:timestamp with time zone',
      'migration_name:character varying',
      'logs:text',
      'rolled_back_at:timestamp with time zone',
      'started_at:timestamp with time zone',
      'applied_steps_count:integer',
    ]);
  });

  it('runs a script in one transaction: a failure leaves no partial change and blocks later runs', async () => {
    const schema = await createPostgresSchema();
    drops.push(schema.drop);
    const dir = migrationsCopy(temp.dir, 'postgresql', {
      '20990101000000_broken': 'CREATE TABLE "half_done" ("id" INTEGER);\nSELECT 1/0;\n',
    });
    await expect(
      applyMigrations({ url: schema.url, database: 'school', migrationsDir: dir }),
    ).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
    });
    const [failed] = await postgresQuery<{ logs: string; finished_at: Date | null }>(
      schema.url,
      "SELECT logs, finished_at FROM _prisma_migrations WHERE migration_name = '20990101000000_broken'",
    );
    expect(failed?.finished_at).toBeNull();
    expect(failed?.logs).toContain('22012');
    expect(
      await postgresQuery(
        schema.url,
        "SELECT 1 FROM pg_tables WHERE tablename = 'half_done' AND schemaname = current_schema()",
      ),
    ).toHaveLength(0);
    await expect(
      applyMigrations({ url: schema.url, database: 'school', migrationsDir: dir }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('failed migrations'),
    });
  });

  it('serializes concurrent appliers on one database: each migration is applied once', async () => {
    const schema = await createPostgresSchema();
    drops.push(schema.drop);
    const results = await Promise.all(
      [1, 2, 3].map(() => applyMigrations({ url: schema.url, database: 'school' })),
    );
    const { migrations } = readMigrations(migrationsDirectory('school', 'postgresql'));
    expect(results.flatMap((result) => result.applied).sort()).toEqual(
      migrations.map((migration) => migration.name),
    );
    expect(await postgresQuery(schema.url, 'SELECT id FROM _prisma_migrations')).toHaveLength(
      migrations.length,
    );
  });

  it("waits for Prisma's advisory lock and gives up with a clear error", async () => {
    const holder = new pg.Client({ connectionString: POSTGRES_URL });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(72707369)');
      await expect(applyMigrations({ url, database: 'session', lockTimeoutMs: 200 })).rejects.toMatchObject({
        code: 'MIGRATION_FAILED',
        message: expect.stringContaining('migration lock'),
      });
    } finally {
      await holder.query('SELECT pg_advisory_unlock(72707369)');
      await holder.end();
    }
    expect((await applyMigrations({ url, database: 'session' })).applied).toEqual([]);
  });
});

describe.skipIf(!sqlserverAvailable)('migration applier on SQL Server', () => {
  const temp = tempDir();
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
    temp.cleanup();
  });
  const fresh = async () => {
    const database = await createSqlServerDatabase();
    drops.push(database.drop);
    return database.url;
  };

  it('applies once, records Prisma-format rows, and is idempotent', async () => {
    const url = await fresh();
    const first = await applyMigrations({ url, database: 'session' });
    expect(first.applied.length).toBeGreaterThan(0);
    expect((await applyMigrations({ url, database: 'session' })).applied).toEqual([]);
    const rows = await sqlserverQuery<Record<string, unknown>>(
      url,
      'SELECT * FROM [dbo].[_prisma_migrations]',
    );
    expect(rows).toHaveLength(first.applied.length);
    expect(rows[0]).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
    expect(String(rows[0]?.id)).toMatch(UUID_V4);
    expect(rows[0]?.started_at).toBeInstanceOf(Date);
    const columns = await sqlserverQuery<{ name: string; type: string }>(
      url,
      "SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = '_prisma_migrations' AND TABLE_SCHEMA = 'dbo' ORDER BY ORDINAL_POSITION",
    );
    expect(columns.map((column) => `${column.name}:${column.type}`)).toEqual([
      'id:varchar',
      'checksum:varchar',
      'finished_at:datetimeoffset',
      'migration_name:nvarchar',
      'logs:nvarchar',
      'rolled_back_at:datetimeoffset',
      'started_at:datetimeoffset',
      'applied_steps_count:int',
    ]);
  });

  it('rolls a failing script back (its own TRY/CATCH transaction) and blocks later runs', async () => {
    const url = await fresh();
    const dir = migrationsCopy(temp.dir, 'sqlserver', {
      '20990101000000_broken':
        'BEGIN TRY\nBEGIN TRAN;\nCREATE TABLE [dbo].[half_done] ([id] INT);\nSELECT 1/0;\nCOMMIT TRAN;\nEND TRY\n' +
        'BEGIN CATCH\nIF @@TRANCOUNT > 0\nBEGIN\n    ROLLBACK TRAN;\nEND;\nTHROW\nEND CATCH\n',
    });
    await expect(applyMigrations({ url, database: 'school', migrationsDir: dir })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('20990101000000_broken'),
    });
    const [failed] = await sqlserverQuery<{ logs: string; finished_at: Date | null }>(
      url,
      "SELECT logs, finished_at FROM [dbo].[_prisma_migrations] WHERE migration_name = '20990101000000_broken'",
    );
    expect(failed?.finished_at).toBeNull();
    expect(failed?.logs).toContain('8134'); // divide by zero
    expect(
      await sqlserverQuery(url, "SELECT 1 AS present FROM sys.tables WHERE name = 'half_done'"),
    ).toHaveLength(0);
    await expect(applyMigrations({ url, database: 'school', migrationsDir: dir })).rejects.toMatchObject({
      message: expect.stringContaining('failed migrations'),
    });
  });

  it('serializes concurrent appliers on one database: each migration is applied once', async () => {
    const url = await fresh();
    const results = await Promise.all([1, 2, 3].map(() => applyMigrations({ url, database: 'school' })));
    const { migrations } = readMigrations(migrationsDirectory('school', 'sqlserver'));
    expect(results.flatMap((result) => result.applied).sort()).toEqual(migrations.map((m) => m.name));
    expect(await sqlserverQuery(url, 'SELECT id FROM [dbo].[_prisma_migrations]')).toHaveLength(
      migrations.length,
    );
  });

  it("waits for Prisma's application lock and gives up with a clear error", async () => {
    const url = await fresh();
    const holder = new mssql.ConnectionPool(sqlserverClientConfig(url, { poolMax: 1 }));
    await holder.connect();
    try {
      await holder
        .request()
        .batch(
          "EXEC sp_getapplock @Resource = 'prisma_migrate', @LockMode = 'Exclusive', @LockOwner = 'Session'",
        );
      await expect(applyMigrations({ url, database: 'session', lockTimeoutMs: 500 })).rejects.toMatchObject({
        code: 'MIGRATION_FAILED',
        message: expect.stringContaining('migration lock'),
      });
    } finally {
      await holder.close();
    }
    expect((await applyMigrations({ url, database: 'session' })).applied.length).toBeGreaterThan(0);
  });
});
