/**
 * The SQL Server path through the real driver stack (mssql, tedious, @prisma/adapter-mssql,
 * Prisma Client) against a fake SQL Server at the network edge (test/support/fake-tds-server.ts):
 * the driver config it resolves, the statement timeout, the parameter declarations SQL Server
 * would cache plans by, Entra sign-in with the app's credential, and the migration applier's
 * statements. What only a real server can show is listed in docs/database.md.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import sql from 'mssql';
import { setupServer } from 'msw/node';
import { Connection } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOptions } from '../../src/app.js';
import { prismaRosterDatabase } from '../../src/db/base/prisma-roster.js';
import { openSchoolConnection } from '../../src/db/client.js';
import { applyMigrations, readMigrationState } from '../../src/db/migrate/apply.js';
import { migrationsDirectory, readMigrations } from '../../src/db/migrate/files.js';
import { createDatabaseRunner } from '../../src/db/retry.js';
import { createSchoolDatabaseProvider } from '../../src/db/school/provider.js';
import { createSchoolRosterRepository } from '../../src/db/school/repository.js';
import { createSessionRepository } from '../../src/db/session/repository.js';
import { sqlserverClientConfig, sqlserverDriverConfig } from '../../src/db/sqlserver/driver-config.js';
import { sqlserverDialect } from '../../src/db/sqlserver/index.js';
import {
  migrationRequestTimeoutMs,
  sqlserverMigrationConfig,
} from '../../src/db/sqlserver/migration-target.js';
import { appServicesForTest } from '../support/app-services.js';
import { fakeKeyVault } from '../support/fake-key-vault.js';
import { fakeTdsServers } from '../support/fake-tds-server.js';
import { sectionRow, sqlserverAvailable, studentRow, teacherRow } from './support.js';

/** A TokenCredential that records the scopes it was asked for. */
function recordingCredential(): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    async getToken(scope): Promise<AccessToken> {
      scopes.push(String(scope));
      return { token: `app-token-${scopes.length}`, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

const OPTIONS = { poolMax: 7, idleTimeoutMs: 300_000, requestTimeoutMs: 300_000 };
const BASE = 'sqlserver://sql.example.net:1433;database=school_1;encrypt=true';

/** What mssql hands tedious for a config (ConnectionPool#_config), and tedious's own validation of it. */
function tediousConfig(config: sql.config): { options: Record<string, unknown>; authentication: unknown } {
  const pool = new sql.ConnectionPool(config) as unknown as {
    _config(): { server: string; options: Record<string, unknown>; authentication: unknown };
  };
  const resolved = pool._config();
  // Throws on anything tedious rejects (an unknown authentication type, a non-credential object).
  new Connection(resolved as ConstructorParameters<typeof Connection>[0]);
  return resolved;
}

describe('SQL Server driver config', () => {
  it("sets the statement timeout, login timeout, pool size and idle close from settings, not mssql's 15 s defaults", () => {
    const config = sqlserverDriverConfig(`${BASE};user=app;password=pw`, OPTIONS);
    expect(config).toMatchObject({
      server: 'sql.example.net',
      port: 1433,
      database: 'school_1',
      requestTimeout: 300_000,
      connectionTimeout: 30_000,
      pool: { min: 0, max: 7, idleTimeoutMillis: 300_000 },
      options: { encrypt: true, trustServerCertificate: false, useUTC: true },
    });
    const resolved = tediousConfig(config);
    expect(resolved.options).toMatchObject({
      requestTimeout: 300_000,
      connectTimeout: 30_000,
      encrypt: true,
    });
    // The application's settings reach the same place.
    expect(sqlserverClientConfig(BASE, { requestTimeoutMs: 45_000, poolMax: 2 })).toMatchObject({
      requestTimeout: 45_000,
      pool: { max: 2 },
    });
  });

  it("reads Prisma's URL keys (timeouts in seconds) and lets them win over the settings", () => {
    const config = sqlserverDriverConfig(
      `${BASE};socketTimeout=600;connectTimeout=45;poolTimeout=20;connectionLimit=3;password={p;w=d}`,
      OPTIONS,
    );
    expect(config).toMatchObject({
      requestTimeout: 600_000,
      connectionTimeout: 45_000,
      password: 'p;w=d',
      pool: { max: 3, acquireTimeoutMillis: 20_000 },
    });
    const plain = 'sqlserver://localhost:1433;database=x';
    expect(sqlserverDriverConfig(`${plain};encrypt=false`, OPTIONS).options?.encrypt).toBe(false);
    expect(sqlserverDriverConfig(plain, OPTIONS).options?.encrypt).toBe(true);
    expect(() => sqlserverDriverConfig(`${BASE};socketTimeout=soon`, OPTIONS)).toThrow(/socketTimeout/);
  });

  it("authenticates Entra URLs with the app's one TokenCredential, which tedious accepts", () => {
    const credential = recordingCredential();
    for (const kind of [
      'DefaultAzureCredential',
      'ActiveDirectoryManagedIdentity',
      'ActiveDirectoryDefault',
    ]) {
      const config = sqlserverDriverConfig(`${BASE};authentication=${kind}`, { ...OPTIONS, credential });
      expect(config.authentication).toEqual({ type: 'token-credential', options: { credential } });
      const resolved = tediousConfig(config) as { authentication: { options: { credential: unknown } } };
      expect(resolved.authentication.options.credential).toBe(credential);
    }
    // No app credential (a script): tedious's own per-connection DefaultAzureCredential.
    expect(
      sqlserverDriverConfig(`${BASE};authentication=DefaultAzureCredential`, OPTIONS).authentication,
    ).toEqual({
      type: 'azure-active-directory-default',
      options: {},
    });
  });

  it('refuses what it cannot honour, before connecting and without echoing secrets', () => {
    expect(() =>
      sqlserverDriverConfig(`${BASE};authentication=Kerberos;password=Top5ecretPw`, OPTIONS),
    ).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('Kerberos') }),
    );
    const missing = (() => {
      try {
        sqlserverDriverConfig(
          `${BASE};authentication=ActiveDirectoryServicePrincipal;password=Top5ecretPw`,
          OPTIONS,
        );
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(missing?.message).toMatch(/userName/);
    expect(missing?.message).not.toContain('Top5ecretPw');
    expect(sqlserverDriverConfig(`${BASE};schema=dbo`, OPTIONS).server).toBe('sql.example.net');
  });

  it('the migration applier: one session, and statements that outlast its lock wait (30 min for index builds)', () => {
    expect(migrationRequestTimeoutMs(60_000)).toBeGreaterThan(60_000 + 30_000);
    expect(migrationRequestTimeoutMs(60_000)).toBeGreaterThanOrEqual(30 * 60_000);
    expect(migrationRequestTimeoutMs(3_600_000)).toBe(3_660_000);
    // A URL tuned for the app (more connections, a short socketTimeout) cannot break the applier's lock.
    const config = sqlserverMigrationConfig(`${BASE};connectionLimit=20;socketTimeout=10`, {
      requestTimeoutMs: migrationRequestTimeoutMs(60_000),
    });
    expect(config).toMatchObject({
      requestTimeout: 30 * 60_000,
      pool: { max: 1, idleTimeoutMillis: 30 * 60_000 },
    });
    expect(tediousConfig(config).options).toMatchObject({ requestTimeout: 30 * 60_000 });
  });
});

describe('the SQL Server integration suites', () => {
  it('run against a live server exactly when TEST_SQLSERVER_URL is set (the CI job sqlserver)', () => {
    expect(sqlserverAvailable).toBe(Boolean(process.env.TEST_SQLSERVER_URL?.trim()));
  });
});

describe('the ;schema= option on SQL Server', () => {
  const url = `${BASE};user=app;password=pw;schema=sync`;
  it('is refused with CONFIG_INVALID everywhere a URL is used, before any connection is tried', async () => {
    const expected = {
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('only the default schema dbo'),
    };
    expect(() => sqlserverDriverConfig(url, OPTIONS)).toThrow(expect.objectContaining(expected));
    await expect(createSessionRepository(url, { retryCount: 0 })).rejects.toMatchObject(expected);
    await expect(applyMigrations({ url, database: 'school' })).rejects.toMatchObject(expected);
    const schools = createSchoolDatabaseProvider({
      urlTemplate: url.replace('database=school_1', 'database=school_{schoolId}'),
      sweepIdle: false,
    });
    await expect(
      schools.forSchool({ id: 1, cleverSchoolId: 'abc', connectionSecretName: null, databaseName: null }),
    ).rejects.toMatchObject(expected);
  });
});

describe('SQL Server through the real driver stack, against a fake server', () => {
  const servers = fakeTdsServers();
  const fake = servers.start;
  afterAll(() => servers.closeAll());

  it('cancels a statement at the configured request timeout, and does not retry it', async () => {
    const server = await fake({ request: () => ({ kind: 'silent' }) });
    const connection = await openSchoolConnection(server.url(), { requestTimeoutMs: 400 });
    try {
      const run = createDatabaseRunner({ provider: 'sqlserver', retryCount: 3, initialDelayMs: 1 });
      const started = Date.now();
      let attempts = 0;
      const error = await run('archive students', () => {
        attempts += 1;
        return connection.roster.execute({ sql: 'UPDATE x SET y = 1', params: [], types: [] });
      }).catch((caught: unknown) => caught);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(attempts).toBe(1);
      expect(error).toMatchObject({ code: 'DATABASE_ERROR', details: { code: 'ETIMEOUT' } });
    } finally {
      await connection.close();
    }
  });

  it('declares JSON documents NVARCHAR(MAX): chunks of any size send the same declarations (one plan)', async () => {
    const server = await fake();
    const connection = await openSchoolConnection(server.url());
    try {
      const repo = createSchoolRosterRepository({
        sql: sqlserverDialect.rosterSql,
        run: createDatabaseRunner({ provider: 'sqlserver', retryCount: 0 }),
        use: (work) => work(connection.roster),
        chunkSize: 3,
      });
      // Chunks of 3 and 2 rows: JSON documents of different lengths. The fake's tables are empty,
      // so the upsert reads no existing rows; planning the same rows does.
      const rows = Array.from({ length: 5 }, (_, index) => studentRow(index + 1));
      await repo.upsert('students', rows, 'run-1');
      await repo.plan('students', rows);
      const merges = server.requests().filter((request) => request.text.includes('MERGE [dbo].[students]'));
      const selects = server.requests().filter((request) => request.text.includes('SELECT t.clever_id'));
      expect(merges).toHaveLength(2);
      expect(selects).toHaveLength(2);
      const declarations = (requests: typeof merges) =>
        new Set(requests.map((request) => /@P1 [a-z0-9()]+(?:, @P\d+ [a-z0-9()]+)*/.exec(request.text)?.[0]));
      expect([...declarations(merges)]).toEqual(['@P1 nvarchar(max), @P2 nvarchar(64), @P3 datetime2(3)']);
      expect([...declarations(selects)]).toEqual(['@P1 nvarchar(max)']);
      // Chunks run in transactions (begin + commit each).
      expect(server.requests().filter((request) => request.kind === 'transaction')).toHaveLength(4);

      // What the Prisma adapter alone would declare: the document's exact length, a plan per length.
      const raw = prismaRosterDatabase(connection.client);
      for (const ids of [['a'], ['a', 'bb']]) {
        await raw.execute({ sql: 'SELECT 1 FROM OPENJSON(@P1)', params: [JSON.stringify(ids)] });
      }
      const prismaDeclarations = server
        .requests()
        .filter((request) => request.text.includes('SELECT 1 FROM OPENJSON(@P1)'))
        .map((request) => /@P1 nvarchar\(\d+\)/.exec(request.text)?.[0]);
      expect(prismaDeclarations).toEqual(['@P1 nvarchar(5)', '@P1 nvarchar(10)']);
    } finally {
      await connection.close();
    }
  });

  it('replaces section links in one transaction: read the stored links, delete removed, insert added', async () => {
    const section = sectionRow(1).cleverId;
    const [kept, dropped, added] = [teacherRow(1), teacherRow(2), teacherRow(3)].map((row) => row.cleverId);
    const server = await fake({
      request: (request) =>
        request.text.includes('FROM [dbo].[section_teachers] AS l INNER JOIN OPENJSON')
          ? {
              kind: 'rows',
              columns: ['section_id', 'member_id'],
              rows: [
                [section, kept!],
                [section, dropped!],
              ],
            }
          : { kind: 'ok', rowCount: 1 },
    });
    const connection = await openSchoolConnection(server.url());
    try {
      const repo = createSchoolRosterRepository({
        sql: sqlserverDialect.rosterSql,
        run: createDatabaseRunner({ provider: 'sqlserver', retryCount: 0 }),
        use: (work) => work(connection.roster),
      });
      expect(
        await repo.replaceSectionLinks('teachers', [{ sectionId: section, memberIds: [kept!, added!] }]),
      ).toEqual({ listed: 2, added: 1, removed: 1 });
      const sent = server.requests().filter((request) => request.kind !== 'batch');
      const rpc = (fragment: string) => sent.findIndex((request) => request.text.includes(fragment));
      const [select, remove, insert] = [
        rpc('SELECT l.[section_clever_id]'),
        rpc('DELETE l FROM [dbo].[section_teachers]'),
        rpc('INSERT INTO [dbo].[section_teachers]'),
      ];
      expect(sent.map((request) => request.kind)).toEqual([
        'transaction',
        'rpc',
        'rpc',
        'rpc',
        'transaction',
      ]);
      expect([select, remove, insert]).toEqual([1, 2, 3]);
      expect(sent[remove]!.text).toContain(JSON.stringify([{ s: section, m: dropped }]));
      expect(sent[insert]!.text).toContain(JSON.stringify([{ s: section, m: added }]));
      expect(sent[insert]!.text).toMatch(/@P1 nvarchar\(max\), ?@P2 datetime2\(3\)/);
    } finally {
      await connection.close();
    }
  });

  it("signs in with the app's TokenCredential for every pooled connection (Entra, federated authentication)", async () => {
    const server = await fake({ federatedAuthentication: true });
    const credential = recordingCredential();
    const url = server.url(';authentication=ActiveDirectoryManagedIdentity');
    const connection = await openSchoolConnection(url, { credential });
    try {
      await connection.roster.query({ sql: 'SELECT 1', params: [], types: [] });
      expect(server.logins()).toBeGreaterThanOrEqual(1);
      expect(credential.scopes).toHaveLength(server.logins());
      expect(new Set(credential.scopes)).toEqual(new Set(['https://database.windows.net/.default']));
      expect(server.tokens()).toEqual(credential.scopes.map((_, index) => `app-token-${index + 1}`));
    } finally {
      await connection.close();
    }
  });

  describe('with the composition root', () => {
    const msw = setupServer();
    const vault = fakeKeyVault();
    beforeAll(() => {
      msw.use(...vault.handlers);
      msw.listen({ onUnhandledRequest: 'error' });
    });
    afterAll(() => msw.close());

    it('resolves the database settings into the SQL Server driver config', async () => {
      const { services } = await appServicesForTest({
        DATABASE_IDLE_CLOSE_SECONDS: '120',
        DATABASE_REQUEST_TIMEOUT_SECONDS: '90',
        DATABASE_POOL_MAX: '4',
      });
      try {
        const config = sqlserverClientConfig(
          `${BASE};authentication=ActiveDirectoryManagedIdentity`,
          databaseOptions(services),
        );
        expect(config).toMatchObject({
          requestTimeout: 90_000,
          pool: { max: 4, idleTimeoutMillis: 120_000 },
          authentication: { type: 'token-credential', options: { credential: services.azureCredential } },
        });
      } finally {
        await services.dispose();
      }
    });

    it("passes the app's one Azure identity to SessionDb: one token request however many connections log in", async () => {
      const server = await fake({ federatedAuthentication: true });
      const { services } = await appServicesForTest({});
      try {
        const session = await createSessionRepository(
          server.url(';authentication=DefaultAzureCredential'),
          databaseOptions(services),
        );
        await session.ping();
        await session.close();
        expect(server.logins()).toBeGreaterThanOrEqual(2);
        expect(new Set(server.tokens())).toEqual(new Set(['fake-aad-access-token-for-key-vault']));
        expect(vault.tokenRequests).toBe(1);
      } finally {
        await services.dispose();
      }
    });
  });

  it('applies migrations like Prisma: its lock first, each script as one batch, the lock released last', async () => {
    const server = await fake({
      request: (request) =>
        /sp_getapplock/.test(request.text)
          ? { kind: 'rows', columns: ['status'], rows: [[0]] }
          : { kind: 'ok' },
    });
    const { migrations } = readMigrations(migrationsDirectory('school', 'sqlserver'));
    const result = await applyMigrations({ url: server.url(), database: 'school' });
    expect(result.applied).toEqual(migrations.map((migration) => migration.name));
    const requests = server.requests();
    expect(requests[0]?.text).toContain("sp_getapplock @Resource = 'prisma_migrate'");
    expect(requests.at(-1)?.text).toContain('sp_releaseapplock');
    const scripts = requests.filter((request) => request.text.includes('CREATE TABLE [dbo].[students]'));
    expect(scripts.map((request) => request.kind)).toEqual(['batch']);
    expect(requests.some((request) => request.text.includes('CREATE TABLE [dbo].[_prisma_migrations]'))).toBe(
      true,
    );
  });

  it('reads the migration state without the lock or any DDL, and a school it may not migrate fails clearly', async () => {
    const server = await fake({
      request: (request) =>
        /sp_getapplock|CREATE TABLE|INSERT|UPDATE/.test(request.text)
          ? { kind: 'error', number: 262, message: 'CREATE TABLE permission denied in database.' }
          : { kind: 'ok' },
    });
    expect(await readMigrationState({ url: server.url(), database: 'school' })).toMatchObject({
      status: 'missing',
    });
    expect(
      server.requests().map((request) => /FROM sys\.tables|_prisma_migrations/.test(request.text)),
    ).toEqual(server.requests().map(() => true));

    const schools = createSchoolDatabaseProvider({
      // One database per school (the fake server answers for any name).
      urlTemplate: server.url().replace('database=fake', 'database=school_{schoolId}'),
      sweepIdle: false,
    });
    const school = { id: 7, cleverSchoolId: 'abc123', connectionSecretName: null, databaseName: null };
    try {
      for (const attempt of [() => schools.provision(school), () => schools.forSchool(school)]) {
        await expect(attempt()).rejects.toMatchObject({
          code: 'DATABASE_NOT_MIGRATED',
          message: expect.stringContaining('clever-sync db migrate --school abc123'),
        });
      }
      expect(server.requests().some((request) => /sp_getapplock|CREATE TABLE/.test(request.text))).toBe(
        false,
      );
    } finally {
      await schools.closeAll();
    }
  });
});
