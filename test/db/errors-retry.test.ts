import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionPrismaClient } from '../../src/db/client.js';
import { isConstraintViolation, isTransientDatabaseError, toDatabaseError } from '../../src/db/errors.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { createDatabaseRunner, RETRY_BUDGET_MS, retryDelayMs } from '../../src/db/retry.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/db/sqlite/index.js';
import { createPostgresSchema, postgresAvailable, tempDir } from './support.js';

/** The shape Prisma Client gives driver errors raised through an adapter. */
const prismaError = (cause: Record<string, unknown>, code = 'P2010') =>
  Object.assign(new Error('Invalid `prisma.$executeRawUnsafe()` invocation'), {
    name: 'PrismaClientKnownRequestError',
    code,
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause } },
  });

describe('transient error classification', () => {
  it.each([
    ['40001', 'TransactionWriteConflict'],
    ['40P01', 'TransactionWriteConflict'],
    ['53300', 'TooManyConnections'],
    ['57P01', 'postgres'],
    ['08006', 'postgres'],
  ])('PostgreSQL %s is transient', (code, kind) => {
    expect(isTransientDatabaseError(prismaError({ originalCode: code, kind, code }), 'postgresql')).toBe(
      true,
    );
  });

  it.each([
    ['23505', 'UniqueConstraintViolation'],
    ['23503', 'ForeignKeyConstraintViolation'],
    ['22012', 'postgres'],
    ['3D000', 'DatabaseDoesNotExist'],
  ])('PostgreSQL %s is not', (code, kind) => {
    expect(isTransientDatabaseError(prismaError({ originalCode: code, kind, code }), 'postgresql')).toBe(
      false,
    );
  });

  it.each([4060, 40197, 40501, 40613, 49918, 49919, 49920, 1205, 10928, 10929])(
    'SQL Server %i is transient',
    (number) => {
      expect(
        isTransientDatabaseError(
          prismaError({ originalCode: 'EREQUEST', kind: 'mssql', code: number }),
          'sqlserver',
        ),
      ).toBe(true);
      // The raw mssql driver's RequestError carries `number`.
      expect(
        isTransientDatabaseError(Object.assign(new Error('x'), { code: 'EREQUEST', number }), 'sqlserver'),
      ).toBe(true);
    },
  );

  it('SQL Server deadlock (mapped by the adapter) and connection resets are transient; constraint violations are not', () => {
    expect(
      isTransientDatabaseError(
        prismaError({ originalCode: 'EREQUEST', kind: 'TransactionWriteConflict' }),
        'sqlserver',
      ),
    ).toBe(true);
    expect(
      isTransientDatabaseError(
        Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        'sqlserver',
      ),
    ).toBe(true);
    expect(isTransientDatabaseError(Object.assign(new Error('x'), { code: 'ESOCKET' }), 'sqlserver')).toBe(
      true,
    );
    const unique = prismaError({ originalCode: 'EREQUEST', kind: 'UniqueConstraintViolation' }, 'P2002');
    expect(isTransientDatabaseError(unique, 'sqlserver')).toBe(false);
    expect(isConstraintViolation(unique)).toBe(true);
    expect(isTransientDatabaseError(Object.assign(new Error('x'), { number: 2627 }), 'sqlserver')).toBe(
      false,
    );
    expect(
      isTransientDatabaseError(
        prismaError({ originalCode: 'EREQUEST', kind: 'mssql', code: 102 }),
        'sqlserver',
      ),
    ).toBe(false);
  });

  it('SQLite BUSY is transient, constraint failures are not', () => {
    expect(isTransientDatabaseError(prismaError({ kind: 'SocketTimeout' }), 'sqlite')).toBe(true);
    expect(
      isTransientDatabaseError(
        Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
        'sqlite',
      ),
    ).toBe(true);
    expect(
      isTransientDatabaseError(
        prismaError({ originalCode: 'SQLITE_CONSTRAINT_UNIQUE', kind: 'UniqueConstraintViolation' }),
        'sqlite',
      ),
    ).toBe(false);
  });

  it('wraps errors with a safe message and the driver code', () => {
    const error = toDatabaseError(
      prismaError({
        originalCode: '57P01',
        originalMessage: 'terminating connection due to administrator command',
        kind: 'postgres',
      }),
      'upsert students',
      'postgresql',
    );
    expect(error).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      transient: true,
      details: { code: '57P01' },
    });
    expect(error.message).toBe(
      'Database upsert students failed (postgresql 57P01): terminating connection due to administrator command',
    );
    const leaky = toDatabaseError(
      new Error('could not connect to postgresql://app:hunter2hunter2@db.internal:5432/x'),
      'connect',
      'postgresql',
    );
    expect(leaky.message).not.toContain('hunter2hunter2');
  });
});

describe('retries against real databases', () => {
  const temp = tempDir();
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
    temp.cleanup();
  });

  it('retries SQLITE_BUSY until the other writer lets go', async () => {
    const path = join(temp.dir, 'busy.db');
    await applyMigrations({ url: `file:${path}`, database: 'session' });
    const client = await createSessionPrismaClient(`file:${path}`, { busyTimeoutMs: 0 });
    const other = new Database(path);
    try {
      other.exec('BEGIN EXCLUSIVE');
      const run = createDatabaseRunner({
        provider: 'sqlite',
        retryCount: 3,
        initialDelayMs: 1,
        maxDelayMs: 5,
      });
      let attempts = 0;
      const created = await run('create district', async () => {
        attempts += 1;
        try {
          return await client.district.create({ data: { cleverDistrictId: 'busy', name: 'Busy' } });
        } finally {
          if (other.inTransaction) other.exec('COMMIT'); // the other writer finishes after our first try
        }
      });
      expect(attempts).toBe(2);
      expect(created.cleverDistrictId).toBe('busy');

      other.exec('BEGIN EXCLUSIVE');
      attempts = 0;
      const stuck = await run('create district', async () => {
        attempts += 1;
        return client.district.create({ data: { cleverDistrictId: 'stuck', name: 'Stuck' } });
      }).catch((error: unknown) => error);
      expect(attempts).toBe(4);
      expect(stuck).toMatchObject({ code: 'DATABASE_UNAVAILABLE', transient: true });
      other.exec('COMMIT');

      attempts = 0;
      const duplicate = await run('create district', async () => {
        attempts += 1;
        return client.district.create({ data: { cleverDistrictId: 'busy', name: 'Again' } });
      }).catch((error: unknown) => error);
      expect(attempts).toBe(1);
      expect(duplicate).toMatchObject({ code: 'DATABASE_ERROR', transient: false });
    } finally {
      other.close();
      await client.$disconnect();
    }
  });

  it.skipIf(!postgresAvailable)('retries after PostgreSQL terminates the connection (57P01)', async () => {
    const schema = await createPostgresSchema();
    drops.push(schema.drop);
    await applyMigrations({ url: schema.url, database: 'session' });
    const client = await createSessionPrismaClient(schema.url, { poolMax: 1 });
    try {
      const run = createDatabaseRunner({
        provider: 'postgresql',
        retryCount: 3,
        initialDelayMs: 1,
        maxDelayMs: 5,
      });
      let attempts = 0;
      const rows = await run('terminate', async () => {
        attempts += 1;
        if (attempts === 1) await client.$queryRawUnsafe('SELECT pg_terminate_backend(pg_backend_pid())');
        return client.$queryRawUnsafe<{ ok: number }[]>('SELECT 1 AS ok');
      });
      expect(attempts).toBe(2);
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await client.$disconnect();
    }
  });
});

describe('backoff by kind of failure', () => {
  const waits = (kind: Parameters<typeof retryDelayMs>[0], retries: number) =>
    Array.from({ length: retries }, (_, index) => retryDelayMs(kind, index + 1, retries));
  const sum = (values: number[]) => Math.round(values.reduce((total, value) => total + value, 0));

  it('waits double and add up to the budget of the kind, whatever the retry count', () => {
    for (const retries of [1, 3, 10]) {
      for (const kind of Object.keys(RETRY_BUDGET_MS) as (keyof typeof RETRY_BUDGET_MS)[]) {
        expect(sum(waits(kind, retries))).toBeCloseTo(RETRY_BUDGET_MS[kind], 6);
      }
    }
    const [first, second, third] = waits('failover', 3);
    expect(second).toBeCloseTo(first! * 2, 6);
    expect(third).toBeCloseTo(first! * 4, 6);
  });

  it('gives SQLite more than its busy timeout, Azure SQL failover and throttling tens of seconds, a deadlock a moment', () => {
    expect(sum(waits('busy', 3))).toBeGreaterThan(SQLITE_BUSY_TIMEOUT_MS);
    expect(sum(waits('failover', 3))).toBeGreaterThanOrEqual(60_000);
    expect(sum(waits('throttled', 3))).toBeGreaterThanOrEqual(60_000);
    expect(waits('throttled', 3)[0]).toBeGreaterThanOrEqual(5_000);
    expect(sum(waits('conflict', 3))).toBeLessThanOrEqual(1_000);
  });
});

describe('SQLite lock retries with the default schedule', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it("waits out another connection's 1.5 s write lock instead of failing the write", async () => {
    const path = join(temp.dir, 'held.db');
    await applyMigrations({ url: `file:${path}`, database: 'session' });
    // SQLITE_BUSY without the busy handler's wait: a short busy timeout stands for the cases SQLite
    // reports at once (a read transaction upgrading to write after another writer committed).
    const client = await createSessionPrismaClient(`file:${path}`, { busyTimeoutMs: 50 });
    const holder = new Database(path);
    try {
      holder.exec('BEGIN IMMEDIATE');
      holder.exec("INSERT INTO districts (clever_district_id, name, updated_at) VALUES ('held', 'Held', 0)");
      const released = new Promise<void>((resolve) =>
        setTimeout(() => {
          holder.exec('COMMIT');
          resolve();
        }, 1_500),
      );
      const run = createDatabaseRunner({ provider: 'sqlite' });
      const started = Date.now();
      let attempts = 0;
      const created = await run('create district', async () => {
        attempts += 1;
        return client.district.create({ data: { cleverDistrictId: 'waited', name: 'Waited' } });
      });
      await released;
      expect(created.cleverDistrictId).toBe('waited');
      expect(attempts).toBeGreaterThan(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect(await client.district.count()).toBe(2);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      await client.$disconnect();
    }
  });
});
