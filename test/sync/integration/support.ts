/**
 * Real parts for the sync engine's integration tests: the Clever emulator over HTTP, the real
 * CleverAuthService and Data API client, and the real data layer on SQLite (always), PostgreSQL
 * (127.0.0.1:5432) or SQL Server (TEST_SQLSERVER_URL, the CI job `sqlserver`); every environment
 * gets its own uniquely named databases, dropped afterwards. Without PostgreSQL those tests skip
 * with a visible notice, unless CI is set; without TEST_SQLSERVER_URL the SQL Server ones skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mssql from 'mssql';
import pg from 'pg';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '../../../emulator/index.js';
import {
  type CleverApiClientWithMetrics,
  createCleverApiClient,
  parseUser,
} from '../../../src/clever/api/index.js';
import { clientCredentialsFrom } from '../../../src/clever/auth/client-credentials.js';
import { CleverAuthService } from '../../../src/clever/auth/index.js';
import { CleverHttpClients } from '../../../src/clever/http/index.js';
import { loadConfigSync } from '../../../src/config/index.js';
import {
  createSchoolDatabaseProvider,
  createSessionRepository,
  type SchoolDatabaseConnectionFactory,
} from '../../../src/db/index.js';
import { applyMigrations } from '../../../src/db/migrate/apply.js';
import { sqlserverDriverConfig } from '../../../src/db/sqlserver/driver-config.js';
import type { SessionRepository } from '../../../src/db/types.js';
import type { RosterEntity } from '../../../src/domain/index.js';
import { mapStudent, mapTeacher } from '../../../src/sync/execute/mapping.js';
import { createSyncService } from '../../../src/sync/service.js';
import type { SyncAlert, SyncService, SyncTuning } from '../../../src/sync/types.js';
import { createCapturingLogger, type Logger } from '../../../src/telemetry/index.js';
import { POSTGRES_URL, postgresAvailable } from '../../support/postgres.js';
import {
  createSqlServerDatabase,
  dropSqlServerDatabase,
  sqlserverAvailable,
  sqlserverDatabasesLike,
  sqlserverDatabaseUrl,
} from '../../support/sqlserver.js';

export { POSTGRES_URL, postgresAvailable } from '../../support/postgres.js';
export { sqlserverAvailable } from '../../support/sqlserver.js';

export type Provider = 'sqlite' | 'postgresql' | 'sqlserver';

/** Whether this machine has the provider's server (SQLite always; the others skip with a notice). */
export function providerAvailable(provider: Provider): boolean {
  return provider === 'sqlite' || (provider === 'postgresql' ? postgresAvailable : sqlserverAvailable);
}

/** Small fixtures keep the suite quick on two shared cores. */
export const SMALL_DISTRICT: EmulatorOptions = {
  seed: 'sync-tests',
  districts: 1,
  schoolsPerDistrict: 6,
  studentsPerSchool: 30,
  teachersPerSchool: 4,
  staffPerSchool: 1,
  multiSchoolShare: 0.1,
};

export interface SyncEnv {
  emulator: EmulatorHandle;
  districtId: string;
  session: SessionRepository;
  schools: SchoolDatabaseConnectionFactory;
  clever: CleverApiClientWithMetrics;
  service: SyncService;
  alerts: SyncAlert[];
  lines: string[];
  logger: Logger;
  provider: Provider;
  /** What another process needs to open the same databases and emulator (crash test). */
  urls: { sessionUrl: string; schoolTemplate: string; settings: Record<string, string> };
  /** Rebuilds the service (same databases and emulator) with other settings: a "new process". */
  restart(options?: EnvOptions): void;
  dispose(): Promise<void>;
}

export interface EnvOptions {
  pageSize?: number;
  maxConcurrentSchools?: number;
  eventsEnabled?: boolean;
  tuning?: SyncTuning;
  /** Extra settings for the Clever client (retries, rate limit). */
  cleverSettings?: Record<string, string>;
  leaseSeconds?: number;
  /** SYNC_ENTITIES (default: every roster). */
  entities?: string;
  /**
   * PostgreSQL only: the app reaches the server through this local port (a TCP proxy a fault test
   * can stop) instead of directly. Databases are still created and dropped directly.
   */
  postgresPort?: number;
}

function settingsFor(emulator: EmulatorHandle, options: EnvOptions): Record<string, string> {
  return {
    CLEVER_API_BASE_URL: emulator.baseUrl,
    CLEVER_TOKENS_URL: emulator.tokensUrl,
    CLEVER_CLIENT_ID: emulator.clientId,
    CLEVER_CLIENT_SECRET: emulator.clientSecret,
    SYNC_PAGE_SIZE: String(options.pageSize ?? 10),
    SYNC_MAX_CONCURRENT_SCHOOLS: String(options.maxConcurrentSchools ?? 5),
    SYNC_EVENTS_ENABLED: String(options.eventsEnabled ?? true),
    SYNC_LEASE_SECONDS: String(options.leaseSeconds ?? 600),
    ...(options.entities === undefined ? {} : { SYNC_ENTITIES: options.entities }),
    // Transient faults are retried quickly in tests; the schedule itself is the client's concern.
    CLEVER_RETRY_INITIAL_DELAY_MS: '5',
    CLEVER_RETRY_MAX_DELAY_MS: '50',
    CLEVER_CIRCUIT_BREAKER_FAILURES: '1000',
    ...options.cleverSettings,
  };
}

export async function createSyncEnv(
  provider: Provider,
  emulatorOptions: EmulatorOptions = SMALL_DISTRICT,
  options: EnvOptions = {},
): Promise<SyncEnv> {
  const emulator = await startEmulator(emulatorOptions);
  const { logger, lines } = createCapturingLogger('info');
  const cleanups: (() => Promise<void> | void)[] = [() => emulator.stop()];
  let sessionUrl: string;
  let schoolTemplate: string;
  if (provider === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'clever-sync-sync-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    sessionUrl = `file:${join(dir, 'session.db')}`;
    schoolTemplate = `file:${join(dir, 'school-{schoolId}.db')}`;
  } else if (provider === 'sqlserver') {
    // What the infrastructure and the deployment do on Azure SQL: a database per school, created
    // in the pool and migrated before the first sync (the app only checks them).
    const session = await createSqlServerDatabase('cs_sync');
    const prefix = session.database;
    cleanups.push(async () => {
      for (const name of await sqlserverDatabasesLike(prefix)) await dropSqlServerDatabase(name);
    });
    sessionUrl = session.url;
    schoolTemplate = sqlserverDatabaseUrl(`${prefix}_{schoolId}`);
    for (const school of emulator.truth.schools(emulator.districts[0]!.id)) {
      const { url } = await createSqlServerDatabase('cs_sync', `${prefix}_${school.id}`);
      await applyMigrations({ url, database: 'school' });
    }
  } else {
    const prefix = `cs_sync_${randomBytes(4).toString('hex')}`;
    await adminQuery(`CREATE DATABASE "${prefix}"`);
    // Dropped last: every school database of this environment starts with the prefix.
    cleanups.push(() => dropDatabasesLike(prefix));
    const appUrl = () => {
      const url = new URL(POSTGRES_URL);
      if (options.postgresPort !== undefined) {
        url.hostname = '127.0.0.1';
        url.port = String(options.postgresPort);
      }
      return url;
    };
    const session = appUrl();
    session.pathname = `/${prefix}`;
    sessionUrl = session.toString();
    const school = appUrl();
    school.pathname = `/${prefix}_`;
    schoolTemplate = `${school.toString().replace(/\/$/, '')}{schoolId}`;
  }
  const session = await createSessionRepository(sessionUrl, { migrate: 'always', logger });
  const schools = createSchoolDatabaseProvider({ urlTemplate: schoolTemplate, logger, sweepIdle: false });
  const alerts: SyncAlert[] = [];
  const districtId = emulator.districts[0]!.id;

  const env: SyncEnv = {
    emulator,
    districtId,
    session,
    schools,
    clever: undefined as never,
    service: undefined as never,
    alerts,
    lines,
    logger,
    provider,
    urls: { sessionUrl, schoolTemplate, settings: settingsFor(emulator, options) },
    restart(next = options) {
      const config = loadConfigSync(settingsFor(emulator, next));
      const auth = new CleverAuthService({
        clever: config.clever,
        httpClients: new CleverHttpClients({ timeoutMs: config.clever.timeoutMs }),
        credentials: clientCredentialsFrom(config.clever, undefined),
        logger,
      });
      env.clever = createCleverApiClient({ config, tokens: auth, logger, rateLimitJitterMs: 0 });
      env.service = createSyncService({
        session,
        schoolDatabases: schools,
        clever: env.clever,
        tokens: auth,
        config: config.sync,
        districtIds: config.clever.districtIds,
        logger,
        alerts: (alert) => void alerts.push(alert),
        tuning: { archiveGuardMinRows: 5, ...next.tuning },
      });
    },
    async dispose() {
      await schools.closeAll().catch(() => undefined);
      await session.close().catch(() => undefined);
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
  env.restart(options);
  return env;
}

async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function dropDatabasesLike(prefix: string): Promise<void> {
  const rows = await adminQuery('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
  for (const row of rows) {
    const name = String(row.datname);
    if (/^cs_sync_[0-9a-f]{8}(_[0-9a-f]{24})?$/.test(name))
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

/** What a school database holds, read with the raw driver (not through the code under test). */
export interface StoredRosterRow {
  cleverId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  grade?: string | null;
  dob?: string | null;
  schoolIdsJson: string;
  isActive: boolean;
}

export async function readRoster(
  env: SyncEnv,
  cleverSchoolId: string,
  entity: RosterEntity,
): Promise<StoredRosterRow[]> {
  const extra = entity === 'students' ? ', grade, dob' : '';
  const rows = await queryRoster(
    env,
    cleverSchoolId,
    `SELECT clever_id, first_name, last_name, email, school_ids_json, is_active${extra} FROM ${entity} ORDER BY clever_id`,
  );
  return rows.map((r) => ({
    cleverId: String(r.clever_id),
    firstName: String(r.first_name),
    lastName: String(r.last_name),
    email: (r.email as string | null) ?? null,
    ...(entity === 'students'
      ? { grade: (r.grade as string | null) ?? null, dob: (r.dob as string | null) ?? null }
      : {}),
    schoolIdsJson: String(r.school_ids_json),
    isActive: r.is_active === true || r.is_active === 1 || r.is_active === 1n,
  }));
}

/** Rows of a query on a school's database, read with the raw driver; [] for an unknown school. */
export async function queryRoster(
  env: SyncEnv,
  cleverSchoolId: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const school = await env.session.schools.findByCleverId(cleverSchoolId);
  if (!school) return [];
  const { url } = await env.schools.resolveUrl({
    id: school.id,
    cleverSchoolId,
    connectionSecretName: school.connectionSecretName,
    databaseName: school.databaseName,
  });
  return rawQuery(url, sql);
}

/** One query through the provider's raw driver (never the code under test), on a fresh connection. */
export async function rawQuery(url: string, sql: string): Promise<Record<string, unknown>[]> {
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length), { readonly: true });
    try {
      return db.prepare(sql).all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }
  if (url.startsWith('sqlserver:')) {
    const pool = new mssql.ConnectionPool(
      sqlserverDriverConfig(url, { poolMax: 1, idleTimeoutMs: 5_000, requestTimeoutMs: 60_000 }),
    );
    await pool.connect();
    try {
      return (await pool.request().query(sql)).recordset ?? [];
    } finally {
      await pool.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The emulator's current roster of a school, as rows should store it. */
export function expectedRoster(
  env: SyncEnv,
  cleverSchoolId: string,
  entity: RosterEntity,
): Omit<StoredRosterRow, 'isActive'>[] {
  const records =
    entity === 'students'
      ? env.emulator.truth.studentsOfSchool(cleverSchoolId)
      : env.emulator.truth.teachersOfSchool(cleverSchoolId);
  const rows: Omit<StoredRosterRow, 'isActive'>[] = [];
  for (const record of records) {
    const user = parseUser(record);
    const row = entity === 'students' ? mapStudent(user) : mapTeacher(user);
    if (!row) continue;
    rows.push({
      cleverId: row.cleverId,
      firstName: row.firstName,
      lastName: row.lastName,
      email: row.email,
      ...(entity === 'students' && 'grade' in row ? { grade: row.grade, dob: row.dob } : {}),
      schoolIdsJson: row.schoolIdsJson,
    });
  }
  return rows.sort((a, b) => (a.cleverId < b.cleverId ? -1 : 1));
}

/** Active rows of every school database equal the emulator's rosters. */
export async function expectDatabasesMatchEmulator(
  env: SyncEnv,
  expect: (value: unknown) => { toEqual(v: unknown): void },
): Promise<void> {
  for (const school of env.emulator.truth.schools(env.districtId)) {
    for (const entity of ['students', 'teachers'] as const) {
      const stored = (await readRoster(env, school.id, entity))
        .filter((r) => r.isActive)
        .map(({ isActive: _a, ...rest }) => rest);
      expect({ school: school.id, entity, rows: stored }).toEqual({
        school: school.id,
        entity,
        rows: expectedRoster(env, school.id, entity),
      });
    }
  }
}

export function schoolIds(env: SyncEnv): string[] {
  return [...env.emulator.truth.schools(env.districtId)].map((s) => s.id);
}

/** Requests the emulator answered on Data API routes (token discovery excluded). */
export function dataRequests(env: SyncEnv): number {
  const stats = env.emulator.stats();
  let total = 0;
  for (const [route, statuses] of Object.entries(stats.byRoute)) {
    if (route.startsWith('/oauth')) continue;
    for (const n of Object.values(statuses)) total += n;
  }
  return total;
}
