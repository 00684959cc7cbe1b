/**
 * The class roster tables arrive by a migration of their own, so school databases created before
 * it are upgraded in place: their students and teachers stay as they were (a second identical
 * run still changes nothing), and sections and their links can be written afterwards.
 */
import { join } from 'node:path';
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
  sectionRow,
  studentRow,
  teacherRow,
  tempDir,
} from './support.js';

const MIGRATION = '20261202000000_class_rosters';
const NEW_TABLES = ['sections', 'courses', 'terms', 'section_teachers', 'section_students'];

const temp = tempDir();
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  temp.cleanup();
});

describe.each([
  { provider: 'sqlite' as const, skip: false },
  { provider: 'postgresql' as const, skip: !postgresAvailable },
])('upgrading an existing school database to class rosters on $provider', ({ provider, skip }) => {
  it.skipIf(skip)('adds the five tables and keeps the users as they were', async () => {
    let url: string;
    if (provider === 'sqlite') url = `file:${join(temp.dir, 'school.db')}`;
    else {
      const schema = await createPostgresSchema();
      drops.push(schema.drop);
      url = schema.url;
    }
    const open = async () => {
      const connection = await openSchoolConnection(url);
      const repository = createSchoolRosterRepository({
        sql: dialectFor(url).rosterSql,
        run: createDatabaseRunner({ provider: dialectFor(url).provider, retryCount: 0 }),
        use: (work) => work(connection.roster),
      });
      return { connection, repository };
    };
    const tables = async (connection: Awaited<ReturnType<typeof open>>['connection']) => {
      const sql =
        provider === 'sqlite'
          ? "SELECT name FROM sqlite_master WHERE type = 'table'"
          : 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()';
      return (await connection.roster.query({ sql, params: [] })).map((row) => String(row.name));
    };

    const previous = await applyMigrations({
      url,
      database: 'school',
      migrationsDir: migrationsBefore('school', provider, MIGRATION, join(temp.dir, `before-${provider}`)),
    });
    expect(previous.applied).not.toContain(MIGRATION);
    const students = Array.from({ length: 5 }, (_, index) => studentRow(index + 1));
    const before = await open();
    try {
      await before.repository.upsert('students', students, 'run-old');
      await before.repository.upsert('teachers', [teacherRow(1)], 'run-old');
      expect(await tables(before.connection)).not.toContain('sections');
    } finally {
      await before.connection.close();
    }

    const upgrade = await applyMigrations({ url, database: 'school' });
    expect(upgrade.applied[0]).toBe(MIGRATION);

    const after = await open();
    try {
      expect(await tables(after.connection)).toEqual(expect.arrayContaining(NEW_TABLES));
      // Users untouched: same rows, same hashes (an identical run is all unchanged).
      expect(await after.repository.upsert('students', students, 'run-new')).toMatchObject({
        created: 0,
        updated: 0,
        unchanged: 5,
      });
      expect(await after.repository.countActive('teachers')).toBe(1);
      for (const entity of ['sections', 'courses', 'terms'] as const) {
        expect(await after.repository.countActive(entity)).toBe(0);
      }
      expect(await after.repository.countLinks('students')).toBe(0);

      expect(await after.repository.upsert('sections', [sectionRow(1)], 'run-new')).toMatchObject({
        created: 1,
      });
      expect(
        await after.repository.replaceSectionLinks('students', [
          { sectionId: sectionRow(1).cleverId, memberIds: students.map((row) => row.cleverId) },
        ]),
      ).toEqual({ listed: 5, added: 5, removed: 0 });
    } finally {
      await after.connection.close();
    }
  });
});
