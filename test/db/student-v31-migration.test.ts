/**
 * The v3.1 student columns arrive by a migration of their own, so school databases created
 * before it are upgraded in place: existing rows keep their data (new columns NULL), and the
 * bulk upsert writes the new columns afterwards.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSchoolConnection } from '../../src/db/client.js';
import { dialectFor } from '../../src/db/dialects.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { createDatabaseRunner } from '../../src/db/retry.js';
import { createSchoolRosterRepository } from '../../src/db/school/repository.js';
import {
  createPostgresSchema,
  migrationsBefore,
  postgresAvailable,
  postgresQuery,
  studentRow,
  tempDir,
} from './support.js';

const MIGRATION = '20261201000000_student_v31_fields';
const NEW_COLUMNS = [
  'preferred_first_name',
  'preferred_middle_name',
  'preferred_last_name',
  'gifted_status',
  'section504_status',
  'disability_status',
  'disability_code',
  'disability_type',
  'home_language_code',
];

const temp = tempDir();
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  temp.cleanup();
});

const OLD_ROW = `INSERT INTO students (clever_id, clever_district_id, clever_school_id, school_ids_json, first_name,
  last_name, grade, content_hash, is_active, updated_at)
  VALUES ('old000000000000000000001', 'd', 's', '["s"]', 'Ana', 'Ñandú', '3', 'old-hash', true, CURRENT_TIMESTAMP)`;

describe.each([
  { provider: 'sqlite' as const, skip: false },
  { provider: 'postgresql' as const, skip: !postgresAvailable },
])('upgrading an existing school database on $provider', ({ provider, skip }) => {
  it.skipIf(skip)('adds the v3.1 columns, keeps existing rows, and the upsert fills them', async () => {
    let url: string;
    let query: (sql: string) => Promise<Record<string, unknown>[]>;
    if (provider === 'sqlite') {
      const path = join(temp.dir, 'school.db');
      url = `file:${path}`;
      query = async (sql) => {
        const db = new Database(path);
        try {
          if (sql.trim().startsWith('SELECT')) return db.prepare(sql).all() as Record<string, unknown>[];
          db.exec(sql);
          return [];
        } finally {
          db.close();
        }
      };
    } else {
      const schema = await createPostgresSchema();
      drops.push(schema.drop);
      url = schema.url;
      query = (sql) => postgresQuery(schema.url, sql);
    }

    await applyMigrations({
      url,
      database: 'school',
      migrationsDir: migrationsBefore('school', provider, MIGRATION, join(temp.dir, `before-${provider}`)),
    });
    await query(OLD_ROW);

    const upgrade = await applyMigrations({ url, database: 'school' });
    // This migration first, then any later ones.
    expect(upgrade.applied[0]).toBe(MIGRATION);
    const [old] = await query(
      `SELECT first_name, last_name, grade, ${NEW_COLUMNS.join(', ')} FROM students WHERE clever_id = 'old000000000000000000001'`,
    );
    expect(old).toEqual({
      first_name: 'Ana',
      last_name: 'Ñandú',
      grade: '3',
      ...Object.fromEntries(NEW_COLUMNS.map((column) => [column, null])),
    });

    const connection = await openSchoolConnection(url);
    try {
      const repository = createSchoolRosterRepository({
        sql: dialectFor(url).rosterSql,
        run: createDatabaseRunner({ provider: dialectFor(url).provider, retryCount: 0 }),
        use: (work) => work(connection.roster),
      });
      const row = studentRow(8, { cleverId: 'old000000000000000000001' });
      // The stored hash predates the new columns: the first run after the upgrade rewrites the row once.
      expect(await repository.upsert('students', [row], 'run-1')).toMatchObject({ updated: 1 });
      expect(await repository.upsert('students', [row], 'run-2')).toMatchObject({ unchanged: 1 });
    } finally {
      await connection.close();
    }
    const [filled] = await query(
      `SELECT ${NEW_COLUMNS.join(', ')} FROM students WHERE clever_id = 'old000000000000000000001'`,
    );
    expect(filled).toEqual({
      preferred_first_name: 'Pref8',
      preferred_middle_name: null,
      preferred_last_name: 'Prefërred',
      gifted_status: 'N',
      section504_status: 'N',
      disability_status: 'N',
      disability_code: null,
      disability_type: null,
      home_language_code: 'eng',
    });
  });
});
