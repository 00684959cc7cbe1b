import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSchoolConnection, type SchoolConnection, type SchoolPrismaClient } from '../../src/db/client.js';
import { dialectFor } from '../../src/db/dialects.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { createDatabaseRunner } from '../../src/db/retry.js';
import { createSchoolRosterRepository } from '../../src/db/school/repository.js';
import type { SchoolRosterRepository } from '../../src/db/types.js';
import { SCHOOL_DATABASE_TARGETS, studentRow, teacherRow } from './support.js';

describe.each(SCHOOL_DATABASE_TARGETS)('school roster repository on $name', (target) => {
  let connection: SchoolConnection;
  let client: SchoolPrismaClient;
  let cleanup: () => Promise<void>;
  let url: string;
  // Small chunks so every test crosses chunk (and transaction) boundaries.
  const open = (chunkSize = 7): SchoolRosterRepository =>
    createSchoolRosterRepository({
      sql: dialectFor(url).rosterSql,
      run: createDatabaseRunner({ provider: dialectFor(url).provider, retryCount: 0 }),
      use: (work) => work(connection.roster),
      chunkSize,
    });

  beforeAll(async () => {
    if (target.skip) return;
    ({ url, cleanup } = await target.setup());
    await applyMigrations({ url, database: 'school' });
    connection = await openSchoolConnection(url);
    client = connection.client;
  });
  afterAll(async () => {
    await connection?.close();
    await cleanup?.();
  });

  it.skipIf(target.skip)('creates, then reports an identical second run as unchanged', async () => {
    const repo = open();
    const rows = Array.from({ length: 30 }, (_, index) => studentRow(index + 1));
    expect(await repo.upsert('students', rows, 'run-1')).toEqual({
      created: 30,
      updated: 0,
      restored: 0,
      unchanged: 0,
    });
    expect(await repo.upsert('students', rows, 'run-2')).toEqual({
      created: 0,
      updated: 0,
      restored: 0,
      unchanged: 30,
    });
    expect(await repo.countActive('students')).toBe(30);
    // Unchanged rows are still marked as seen by run-2, so none is "unseen".
    expect(await repo.countUnseenActive('students', 'run-2')).toBe(0);
  });

  it.skipIf(target.skip)('stores every column as given, readable through Prisma Client', async () => {
    const repo = open();
    const row = studentRow(1000, { middleName: null, extJson: '{"a":"ü ✓"}' });
    await repo.upsert('students', [row], 'run-cols');
    const stored = await client.student.findUniqueOrThrow({ where: { cleverId: row.cleverId } });
    const {
      id,
      contentHash,
      createdAt,
      updatedAt,
      isActive,
      deactivatedAt,
      firstSeenRunId,
      lastSeenRunId,
      ...data
    } = stored;
    expect(data).toEqual(row);
    expect({ isActive, deactivatedAt, firstSeenRunId, lastSeenRunId }).toEqual({
      isActive: true,
      deactivatedAt: null,
      firstSeenRunId: 'run-cols',
      lastSeenRunId: 'run-cols',
    });
    expect(contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(id).toBeGreaterThan(0);
    expect(updatedAt.getTime()).toBe(createdAt.getTime());
  });

  it.skipIf(target.skip)('counts only real changes as updated and keeps first-seen run', async () => {
    const repo = open();
    const rows = Array.from({ length: 10 }, (_, index) => studentRow(200 + index));
    await repo.upsert('students', rows, 'run-a');
    const changed = rows.map((row, index) => (index < 4 ? { ...row, grade: 'PostGraduate' } : row));
    expect(await repo.upsert('students', changed, 'run-b')).toEqual({
      created: 0,
      updated: 4,
      restored: 0,
      unchanged: 6,
    });
    const stored = await client.student.findUniqueOrThrow({ where: { cleverId: rows[0]!.cleverId } });
    expect(stored.grade).toBe('PostGraduate');
    expect(stored.firstSeenRunId).toBe('run-a');
    expect(stored.lastSeenRunId).toBe('run-b');
    // A Date with the same instant is not a change.
    const sameInstant = changed.map((row) => ({
      ...row,
      cleverCreated: new Date(row.cleverCreated!.getTime()),
    }));
    expect((await repo.upsert('students', sameInstant, 'run-c')).updated).toBe(0);
  });

  it.skipIf(target.skip)('archives rows unseen by a run and restores them when they reappear', async () => {
    const repo = open();
    const rows = Array.from({ length: 12 }, (_, index) => teacherRow(index + 1));
    await repo.upsert('teachers', rows, 'run-1');
    const kept = rows.slice(0, 8);
    await repo.upsert('teachers', kept, 'run-2');
    expect(await repo.countUnseenActive('teachers', 'run-2')).toBe(4);
    const at = new Date(Date.UTC(2025, 8, 1));
    expect(await repo.archiveUnseen('teachers', 'run-2', at)).toBe(4);
    expect(await repo.countActive('teachers')).toBe(8);
    expect(await repo.archiveUnseen('teachers', 'run-2', at)).toBe(0);
    const archived = await client.teacher.findUniqueOrThrow({ where: { cleverId: rows[10]!.cleverId } });
    expect(archived.isActive).toBe(false);
    expect(archived.deactivatedAt?.toISOString()).toBe(at.toISOString());

    // Reappearing (even unchanged) counts as restored, not created or updated.
    expect(await repo.upsert('teachers', rows, 'run-3')).toEqual({
      created: 0,
      updated: 0,
      restored: 4,
      unchanged: 8,
    });
    const restored = await client.teacher.findUniqueOrThrow({ where: { cleverId: rows[10]!.cleverId } });
    expect(restored.isActive).toBe(true);
    expect(restored.deactivatedAt).toBeNull();
    expect(await repo.countActive('teachers')).toBe(12);
  });

  it.skipIf(target.skip)('plans without writing, with sample ids', async () => {
    const repo = open();
    const existing = [studentRow(300), studentRow(301)];
    await repo.upsert('students', existing, 'run-p');
    const incoming = [
      { ...existing[0]!, lastName: 'Changed' },
      existing[1]!,
      studentRow(302),
      studentRow(303),
    ];
    const plan = await repo.plan('students', incoming);
    expect(plan).toMatchObject({ created: 2, updated: 1, restored: 0, unchanged: 1 });
    expect(plan.samples.created.sort()).toEqual([studentRow(302).cleverId, studentRow(303).cleverId].sort());
    expect(plan.samples.updated).toEqual([existing[0]!.cleverId]);
    expect(await client.student.count({ where: { cleverId: studentRow(302).cleverId } })).toBe(0);
    expect(
      (await client.student.findUniqueOrThrow({ where: { cleverId: existing[0]!.cleverId } })).lastName,
    ).toBe(existing[0]!.lastName);
  });

  it.skipIf(target.skip)('keeps the last of duplicated ids in one batch', async () => {
    const repo = open(100);
    const first = studentRow(400, { lastName: 'One' });
    const second = studentRow(400, { lastName: 'Two' });
    expect(await repo.upsert('students', [first, studentRow(401), second], 'run-d')).toMatchObject({
      created: 2,
    });
    expect((await client.student.findUniqueOrThrow({ where: { cleverId: first.cleverId } })).lastName).toBe(
      'Two',
    );
  });

  it.skipIf(target.skip)('archives by id, pages active ids in order, purges long-inactive rows', async () => {
    const repo = open();
    const rows = Array.from({ length: 9 }, (_, index) => teacherRow(500 + index));
    await repo.upsert('teachers', rows, 'run-x');
    const at = new Date(Date.UTC(2024, 0, 1));
    const gone = [rows[0]!.cleverId, rows[1]!.cleverId, 'f'.repeat(24)];
    expect(await repo.archiveByCleverIds('teachers', gone, at)).toBe(2);
    expect(await repo.archiveByCleverIds('teachers', gone, at)).toBe(0);

    const pages: string[][] = [];
    for await (const page of repo.iterateActiveCleverIds('teachers', 4)) pages.push(page);
    const all = pages.flat();
    expect(all).toEqual([...all].sort());
    expect(new Set(all).has(rows[0]!.cleverId)).toBe(false);
    expect(all).toEqual(expect.arrayContaining(rows.slice(2).map((row) => row.cleverId)));
    expect(pages.every((page) => page.length <= 4)).toBe(true);

    expect(await repo.deleteInactive('teachers', new Date(Date.UTC(2023, 0, 1)))).toBe(0);
    expect(await repo.deleteInactive('teachers', new Date(Date.UTC(2024, 6, 1)))).toBe(2);
    expect(await client.teacher.count({ where: { cleverId: { in: gone } } })).toBe(0);
  });

  it.skipIf(target.skip)('rolls back a whole chunk when one row is invalid', async () => {
    const repo = open(50);
    const bad = { ...studentRow(600), firstName: null as unknown as string };
    await expect(repo.upsert('students', [studentRow(601), bad], 'run-bad')).rejects.toMatchObject({
      code: 'DATABASE_ERROR',
    });
    expect(await client.student.count({ where: { cleverId: studentRow(601).cleverId } })).toBe(0);
  });

  it.skipIf(target.skip)(
    'classifies alike when the table starts empty (no read of existing rows)',
    async () => {
      // Empty the table: archive every row, then purge them.
      const setup = open();
      await setup.archiveUnseen('students', 'run-none', new Date(Date.UTC(2020, 0, 1)));
      await setup.deleteInactive('students', new Date(Date.UTC(2100, 0, 1)));
      expect(await client.student.count()).toBe(0);

      const repo = open(7);
      const rows = Array.from({ length: 20 }, (_, index) => studentRow(700 + index));
      // A row repeated in a later chunk of the same batch is an update of the row written before.
      const repeated = { ...rows[2]!, lastName: 'Repeated' };
      expect(await repo.upsert('students', [...rows, repeated], 'run-e1')).toEqual({
        created: 20,
        updated: 1,
        restored: 0,
        unchanged: 0,
      });
      expect(await repo.upsert('students', [rows[5]!, studentRow(720)], 'run-e2')).toEqual({
        created: 1,
        updated: 0,
        restored: 0,
        unchanged: 1,
      });
      await repo.archiveByCleverIds('students', [rows[0]!.cleverId], new Date());
      expect(await repo.upsert('students', [rows[0]!], 'run-e3')).toMatchObject({ restored: 1, created: 0 });

      // A table holding only archived rows is not empty: they come back restored.
      await repo.archiveUnseen('students', 'run-none', new Date());
      expect(await open(7).upsert('students', rows, 'run-e4')).toEqual({
        created: 0,
        updated: 0,
        restored: 20,
        unchanged: 0,
      });
      const stored = await client.student.findUniqueOrThrow({ where: { cleverId: rows[2]!.cleverId } });
      expect({ lastName: stored.lastName, firstSeenRunId: stored.firstSeenRunId }).toEqual({
        lastName: rows[2]!.lastName,
        firstSeenRunId: 'run-e1',
      });
    },
  );
});
