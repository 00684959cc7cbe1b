import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseKind } from '../../src/db/base/dialect.js';
import { migrationsDirectory } from '../../src/db/migrate/files.js';
import type { CourseRow, SectionRow, StudentRow, TeacherRow, TermRow } from '../../src/domain/index.js';
import { POSTGRES_URL, postgresAvailable } from '../support/postgres.js';
import { createSqlServerDatabase, sqlserverAvailable } from '../support/sqlserver.js';

/**
 * Shared by the database tests: a temporary folder for SQLite files, PostgreSQL at
 * 127.0.0.1:5432 (TEST_POSTGRES_URL overrides) with throwaway schemas and databases, and SQL
 * Server from TEST_SQLSERVER_URL with throwaway databases. Without a server the PostgreSQL tests
 * skip with a notice, unless CI is set: then they fail. Without TEST_SQLSERVER_URL the SQL
 * Server tests skip with a notice (test/support/sqlserver.ts).
 */
export { POSTGRES_URL, postgresAvailable } from '../support/postgres.js';
export {
  createSqlServerDatabase,
  SQLSERVER_URL,
  sqlserverAvailable,
  sqlserverDatabaseUrl,
  sqlserverQuery,
} from '../support/sqlserver.js';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh schema in the test database; its URL uses Prisma's `?schema=` parameter. */
export async function createPostgresSchema(): Promise<{
  url: string;
  schema: string;
  drop: () => Promise<void>;
}> {
  const schema = uniqueName('cs_test');
  await admin((client) => client.query(`CREATE SCHEMA "${schema}"`));
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    schema,
    drop: () =>
      admin((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined),
  };
}

export function postgresDatabaseUrl(database: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function dropPostgresDatabase(database: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}

export async function postgresQuery<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  const client = new pg.Client({
    connectionString: parsed.toString(),
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'clever-sync-db-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A database to run a school-database test on: each provider this machine (or CI) offers. */
export interface SchoolDatabaseTarget {
  name: string;
  skip: boolean;
  /** A new, empty database (not migrated) and how to remove it. */
  setup: () => Promise<{ url: string; cleanup: () => Promise<void> }>;
}

export const SCHOOL_DATABASE_TARGETS: SchoolDatabaseTarget[] = [
  {
    name: 'sqlite',
    skip: false,
    setup: async () => {
      const { dir, cleanup } = tempDir();
      return { url: `file:${join(dir, 'school.db')}`, cleanup: async () => cleanup() };
    },
  },
  {
    name: 'postgresql',
    skip: !postgresAvailable,
    setup: async () => {
      const schema = await createPostgresSchema();
      return { url: schema.url, cleanup: schema.drop };
    },
  },
  {
    name: 'sqlserver',
    skip: !sqlserverAvailable,
    setup: async () => {
      const database = await createSqlServerDatabase();
      return { url: database.url, cleanup: database.drop };
    },
  },
];

/**
 * A copy (in `intoDir`) of the migrations that came before `migration`: what an older version
 * created, for tests that upgrade such a database to `migration`.
 */
export function migrationsBefore(
  database: DatabaseKind,
  provider: 'sqlite' | 'postgresql',
  migration: string,
  intoDir: string,
): string {
  const source = migrationsDirectory(database, provider);
  cpSync(join(source, 'migration_lock.toml'), join(intoDir, 'migration_lock.toml'));
  for (const name of readdirSync(source).filter((n) => /^\d{14}_/.test(n) && n < migration)) {
    cpSync(join(source, name), join(intoDir, name), { recursive: true });
  }
  return intoDir;
}

export function studentRow(index: number, overrides: Partial<StudentRow> = {}): StudentRow {
  const id = index.toString(16).padStart(24, '0');
  return {
    cleverId: id,
    cleverDistrictId: 'd'.repeat(24),
    cleverSchoolId: 's'.repeat(24),
    schoolIdsJson: JSON.stringify(['s'.repeat(24)]),
    firstName: `First${index}`,
    middleName: index % 3 === 0 ? null : 'M',
    lastName: `Last${index}`,
    email: `student${index}@example.org`,
    sisId: `sis-${index}`,
    stateId: null,
    districtUsername: `user${index}`,
    legacyId: null,
    extJson: index % 2 === 0 ? JSON.stringify({ house: 'blue', note: 'ünïcødé ✓' }) : null,
    cleverCreated: new Date(Date.UTC(2024, 0, 1, 8, 0, 0, 123)),
    cleverLastModified: new Date(Date.UTC(2025, 5, 1, 12, 30, 0, 456)),
    preferredFirstName: index % 4 === 0 ? `Pref${index}` : null,
    preferredMiddleName: null,
    preferredLastName: index % 8 === 0 ? 'Prefërred' : null,
    studentNumber: `${100000 + index}`,
    grade: String((index % 12) + 1),
    dob: '2012-03-04',
    gender: index % 2 === 0 ? 'F' : 'M',
    hispanicEthnicity: 'N',
    race: 'Asian',
    ellStatus: 'N',
    iepStatus: null,
    frlStatus: null,
    giftedStatus: 'N',
    section504Status: index % 5 === 0 ? 'Y' : 'N',
    disabilityStatus: index % 3 === 0 ? 'Y' : 'N',
    disabilityCode: index % 3 === 0 ? 'sld' : null,
    disabilityType: index % 3 === 0 ? 'Specific learning disability' : null,
    homeLanguage: 'English',
    homeLanguageCode: 'eng',
    graduationYear: '2030',
    locationJson: JSON.stringify({ zip: '10001' }),
    enrollmentsJson: JSON.stringify([{ school: 's'.repeat(24), start_date: '2024-08-20' }]),
    ...overrides,
  };
}

export function teacherRow(index: number, overrides: Partial<TeacherRow> = {}): TeacherRow {
  const id = (0xfff000 + index).toString(16).padStart(24, '0');
  return {
    cleverId: id,
    cleverDistrictId: 'd'.repeat(24),
    cleverSchoolId: 's'.repeat(24),
    schoolIdsJson: JSON.stringify(['s'.repeat(24)]),
    firstName: `Teach${index}`,
    middleName: null,
    lastName: `Er${index}`,
    email: `teacher${index}@example.org`,
    sisId: `t-${index}`,
    stateId: null,
    districtUsername: null,
    legacyId: null,
    extJson: null,
    cleverCreated: null,
    cleverLastModified: new Date(Date.UTC(2025, 0, 2)),
    teacherNumber: `T${index}`,
    title: 'Teacher',
    ...overrides,
  };
}

export function sectionRow(index: number, overrides: Partial<SectionRow> = {}): SectionRow {
  const id = (0x5ec000 + index).toString(16).padStart(24, '0');
  return {
    cleverId: id,
    cleverDistrictId: 'd'.repeat(24),
    cleverSchoolId: 's'.repeat(24),
    name: `Algebra ${index} — ünïcødé`,
    subject: 'math',
    grade: index % 2 === 0 ? '7' : 'Kindergarten',
    period: `${(index % 8) + 1}`,
    sectionNumber: `M-${index}`,
    cleverCourseId: courseRow(index % 3).cleverId,
    cleverTermId: termRow(1).cleverId,
    primaryTeacherCleverId: teacherRow(index % 4).cleverId,
    sisId: index % 5 === 0 ? null : `sec-${index}`,
    lmsStatusJson: index % 2 === 0 ? JSON.stringify({ status: 'active' }) : null,
    extJson: null,
    cleverCreated: new Date(Date.UTC(2024, 7, 1, 8, 0, 0, 5)),
    cleverLastModified: new Date(Date.UTC(2025, 8, 1, 9, 30, 0, 250)),
    ...overrides,
  };
}

export function courseRow(index: number, overrides: Partial<CourseRow> = {}): CourseRow {
  return {
    cleverId: (0xc0c000 + index).toString(16).padStart(24, '0'),
    cleverDistrictId: 'd'.repeat(24),
    name: `Course ${index}`,
    number: index % 2 === 0 ? `C${index}` : null,
    ...overrides,
  };
}

export function termRow(index: number, overrides: Partial<TermRow> = {}): TermRow {
  return {
    cleverId: (0x7e7000 + index).toString(16).padStart(24, '0'),
    cleverDistrictId: 'd'.repeat(24),
    name: `Term ${index}`,
    startDate: '2025-08-20',
    endDate: index % 2 === 0 ? null : '2026-06-10',
    ...overrides,
  };
}
