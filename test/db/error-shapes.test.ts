/**
 * The transient-error classifier (src/db/errors.ts) on the errors the drivers really produce,
 * not on objects shaped by hand: SQL Server errors come from tedious and mssql talking to a fake
 * SQL Server (test/support/fake-tds-server.ts), alone and wrapped by Prisma's adapter and
 * Prisma Client; refused connections come from a closed local port; SQLITE_BUSY from a second
 * real connection holding the write lock.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sql from 'mssql';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionPrismaClient } from '../../src/db/client.js';
import { toDatabaseError, transientKind } from '../../src/db/errors.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { createSessionRepository } from '../../src/db/session/repository.js';
import { sqlserverClientConfig } from '../../src/db/sqlserver/driver-config.js';
import { AppError } from '../../src/errors.js';
import { type FakeTdsBehaviour, fakeTdsServers, type TdsReply } from '../support/fake-tds-server.js';
import { tempDir } from './support.js';

// Azure SQL's texts for these errors (learn.microsoft.com, "Database engine events and errors").
const FAILOVER_40613 = {
  kind: 'error',
  number: 40613,
  message:
    "Database 'school_1' on server 'sql-cleversync' is not currently available. Please retry the connection later. If the problem persists, contact customer support, and provide them the session tracing ID of '5C0E0B8E-0000-0000-0000-000000000000'.",
} as const;
const THROTTLED_10928 = {
  kind: 'error',
  number: 10928,
  message: 'Resource ID : 1. The request limit for the database is 30 and has been reached.',
} as const;
const BUSY_40501 = {
  kind: 'error',
  number: 40501,
  message: 'The service is currently busy. Retry the request after 10 seconds. Incident ID: 1. Code: 2.',
} as const;
const POOL_LIMIT_10936 = {
  kind: 'error',
  number: 10936,
  message: 'Resource ID : 1. The request limit for the elastic pool is 200 and has been reached.',
} as const;
const DEADLOCK_1205 = {
  kind: 'error',
  number: 1205,
  message:
    'Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.',
} as const;

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('SQL Server errors as tedious, mssql and Prisma produce them', () => {
  const servers = fakeTdsServers();
  const fake = servers.start;
  afterAll(() => servers.closeAll());

  /** The error of one statement, raw from mssql and through Prisma Client ($executeRawUnsafe). */
  async function errorsOf(behaviour: FakeTdsBehaviour) {
    const server = await fake(behaviour);
    const pool = new sql.ConnectionPool(sqlserverClientConfig(server.url(), {}));
    pool.on('error', () => undefined);
    const raw = await pool
      .connect()
      .then(() => pool.request().query('UPDATE students SET is_active = 0'))
      .catch((error: unknown) => error);
    await pool.close().catch(() => undefined);
    const client = await createSessionPrismaClient(server.url());
    const prisma = await client
      .$executeRawUnsafe('UPDATE students SET is_active = 0')
      .catch((error: unknown) => error);
    await client.$disconnect().catch(() => undefined);
    return { raw, prisma };
  }

  it.each([
    ['a database in failover (40613), after tedious retried the login itself', FAILOVER_40613, 'failover'],
    ['a resource limit (10928)', THROTTLED_10928, 'throttled'],
    ['a busy service (40501)', BUSY_40501, 'throttled'],
  ] as const)(
    'a login refused by %s: ConnectionError ELOGIN without a number',
    async (_name, reply, kind) => {
      const { raw, prisma } = await errorsOf({ login: () => reply });
      expect(raw).toMatchObject({ name: 'ConnectionError', code: 'ELOGIN' });
      expect((raw as { number?: unknown }).number).toBeUndefined();
      expect(prisma).toMatchObject({ name: 'PrismaClientKnownRequestError', code: 'ELOGIN' });
      expect(transientKind(raw, 'sqlserver')).toBe(kind);
      expect(transientKind(prisma, 'sqlserver')).toBe(kind);
      const wrapped = toDatabaseError(prisma, 'connectivity check', 'sqlserver');
      expect(wrapped).toMatchObject({ code: 'DATABASE_UNAVAILABLE', httpStatus: 503, transient: true });
      expect(wrapped.message).toContain(reply.message.slice(0, 40));
    },
  );

  it.each([
    ['the elastic pool request limit (10936)', POOL_LIMIT_10936, 'throttled'],
    ['a busy service (40501)', BUSY_40501, 'throttled'],
    ['a failover under way (40613)', FAILOVER_40613, 'failover'],
    ['a deadlock victim (1205)', DEADLOCK_1205, 'conflict'],
  ] as const)('a statement failing with %s: RequestError with its number', async (_name, reply, kind) => {
    const { raw, prisma } = await errorsOf({ request: () => reply });
    expect(raw).toMatchObject({ name: 'RequestError', code: 'EREQUEST', number: reply.number });
    expect(transientKind(raw, 'sqlserver')).toBe(kind);
    expect(transientKind(prisma, 'sqlserver')).toBe(kind);
    expect(toDatabaseError(raw, 'upsert students', 'sqlserver')).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      details: { code: String(reply.number), transientKind: kind },
    });
  });

  it('a refused connection and a connection dropped mid-statement are connection failures', async () => {
    const port = await closedPort();
    const url = `sqlserver://127.0.0.1:${port};database=x;user=app;password=pw;encrypt=false`;
    const pool = new sql.ConnectionPool(sqlserverClientConfig(url, {}));
    const refused = await pool.connect().catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'ConnectionError', code: 'ESOCKET' });
    expect(transientKind(refused, 'sqlserver')).toBe('connection');
    const client = await createSessionPrismaClient(url);
    const refusedByPrisma = await client.$queryRawUnsafe('SELECT 1').catch((error: unknown) => error);
    await client.$disconnect().catch(() => undefined);
    expect(transientKind(refusedByPrisma, 'sqlserver')).toBe('connection');

    const { raw, prisma } = await errorsOf({ request: () => ({ kind: 'close' }) });
    expect(raw).toMatchObject({ name: 'RequestError', code: 'ECONNRESET' });
    expect(transientKind(raw, 'sqlserver')).toBe('connection');
    expect(transientKind(prisma, 'sqlserver')).toBe('connection');
  });

  it.each([
    ['a login with a wrong password (18456)', { login: () => reply(18456, "Login failed for user 'app'.") }],
    [
      'a missing permission (262)',
      { request: () => reply(262, 'CREATE TABLE permission denied in database.') },
    ],
    ['a syntax error (102)', { request: () => reply(102, "Incorrect syntax near 'UPDTE'.") }],
    ['a duplicate key (2627)', { request: () => reply(2627, 'Violation of UNIQUE KEY constraint.') }],
  ])('%s stays permanent', async (_name, behaviour) => {
    const { raw, prisma } = await errorsOf(behaviour);
    expect(raw).toBeInstanceOf(Error);
    expect(transientKind(raw, 'sqlserver')).toBeNull();
    expect(transientKind(prisma, 'sqlserver')).toBeNull();
  });

  it('retries a login refused during a failover until the database is back', async () => {
    // tedious retries 40613 three times itself; the failover outlasts that.
    const server = await fake({ login: (attempt) => (attempt <= 6 ? FAILOVER_40613 : { kind: 'ok' }) });
    const session = await createSessionRepository(server.url(), { retryInitialDelayMs: 10 });
    try {
      await session.ping();
      expect(server.logins()).toBeGreaterThan(6);
    } finally {
      await session.close();
    }
  });
});

function reply(number: number, message: string): TdsReply {
  return { kind: 'error', number, message };
}

describe('connection refused on PostgreSQL (issue 12: a restart answered 500 instead of 503)', () => {
  it('is a connection failure from pg, from Prisma, and a 503 DATABASE_UNAVAILABLE at start-up', async () => {
    const url = `postgresql://app:Pw4Refused@127.0.0.1:${await closedPort()}/session`;
    const pool = new pg.Pool({ connectionString: url });
    const raw = await pool.query('SELECT 1').catch((error: unknown) => error);
    await pool.end();
    expect(raw).toMatchObject({ code: 'ECONNREFUSED' });
    expect(transientKind(raw, 'postgresql')).toBe('connection');

    const client = await createSessionPrismaClient(url);
    const rawQuery = await client.$queryRawUnsafe('SELECT 1').catch((error: unknown) => error);
    const modelQuery = await client.district.findMany().catch((error: unknown) => error);
    await client.$disconnect().catch(() => undefined);
    expect(rawQuery).toMatchObject({ code: 'P2010' });
    expect(modelQuery).toMatchObject({ code: 'P1001' });
    expect(transientKind(rawQuery, 'postgresql')).toBe('connection');
    expect(transientKind(modelQuery, 'postgresql')).toBe('connection');

    const startup = await createSessionRepository(url, { retryCount: 0 }).catch((error: unknown) => error);
    expect(startup).toBeInstanceOf(AppError);
    expect(startup).toMatchObject({ code: 'DATABASE_UNAVAILABLE', httpStatus: 503, transient: true });
    expect((startup as AppError).message).not.toContain('Pw4Refused');
  });
});

describe('SQLITE_BUSY from a second real connection', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('is busy from better-sqlite3 and through Prisma', async () => {
    const path = join(temp.dir, 'busy.db');
    await applyMigrations({ url: `file:${path}`, database: 'session' });
    const holder = new Database(path);
    const client = await createSessionPrismaClient(`file:${path}`, { busyTimeoutMs: 0 });
    try {
      holder.exec('BEGIN IMMEDIATE');
      const other = new Database(path, { timeout: 0 });
      let raw: unknown;
      try {
        other.exec("INSERT INTO districts (clever_district_id, name, updated_at) VALUES ('x', 'x', 0)");
      } catch (error) {
        raw = error;
      } finally {
        other.close();
      }
      expect(raw).toMatchObject({ code: 'SQLITE_BUSY' });
      expect(transientKind(raw, 'sqlite')).toBe('busy');
      const prisma = await client.district
        .create({ data: { cleverDistrictId: 'y', name: 'y' } })
        .catch((error: unknown) => error);
      expect(transientKind(prisma, 'sqlite')).toBe('busy');
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      await client.$disconnect();
    }
  });
});
