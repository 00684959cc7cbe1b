/**
 * Class rosters in a school database (issue 17): sections, courses and terms through the same
 * bulk upsert, archive and restore as students, and the section links replaced set-wise. Real
 * SQLite and PostgreSQL (and SQL Server when TEST_SQLSERVER_URL is set), a fresh database per test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSchoolConnection, type SchoolConnection } from '../../src/db/client.js';
import { dialectFor } from '../../src/db/dialects.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { projectRoot } from '../../src/db/migrate/files.js';
import { createDatabaseRunner } from '../../src/db/retry.js';
import { createSchoolRosterRepository } from '../../src/db/school/repository.js';
import type { SchoolRosterRepository } from '../../src/db/types.js';
import type { LinkKind, SectionMembers } from '../../src/domain/index.js';
import {
  courseRow,
  SCHOOL_DATABASE_TARGETS,
  sectionRow,
  studentRow,
  teacherRow,
  termRow,
} from './support.js';

const S = (index: number) => sectionRow(index).cleverId;
const T = (index: number) => teacherRow(index).cleverId;
const P = (index: number) => studentRow(index).cleverId;

/** The "my students" query of docs/database.md, as written there. */
function myStudentsQuery(provider: string): string {
  const doc = readFileSync(join(projectRoot(), 'docs', 'database.md'), 'utf8');
  const sql = /<!-- my-students-query -->\s*```sql\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!sql) throw new Error('docs/database.md has no my-students-query block');
  const placeholder = provider === 'postgresql' ? '$1' : provider === 'sqlserver' ? '@P1' : '?';
  const booleans = provider === 'sqlserver' ? sql.replaceAll('= true', '= 1') : sql;
  return booleans.replace(':teacher_id', placeholder).trim().replace(/;$/, '');
}

describe.each(SCHOOL_DATABASE_TARGETS)('class rosters on $name', (target) => {
  let connection: SchoolConnection;
  let cleanup: () => Promise<void>;
  let url: string;
  let clock: Date;
  // Small chunks so every test crosses chunk (and transaction) boundaries.
  const open = (chunkSize = 3): SchoolRosterRepository =>
    createSchoolRosterRepository({
      sql: dialectFor(url).rosterSql,
      run: createDatabaseRunner({ provider: dialectFor(url).provider, retryCount: 0 }),
      use: (work) => work(connection.roster),
      chunkSize,
      now: () => clock,
    });
  const all = async (repo: SchoolRosterRepository, kind: LinkKind, pageSize?: number) => {
    const pages: { sectionId: string; memberId: string }[][] = [];
    for await (const page of repo.iterateSectionLinks(kind, pageSize)) pages.push(page);
    return pages;
  };
  const pairs = async (repo: SchoolRosterRepository, kind: LinkKind) =>
    (await all(repo, kind)).flat().map((link) => `${link.sectionId}/${link.memberId}`);

  beforeEach(async () => {
    if (target.skip) return;
    ({ url, cleanup } = await target.setup());
    await applyMigrations({ url, database: 'school' });
    connection = await openSchoolConnection(url);
    clock = new Date(Date.UTC(2025, 8, 1, 10, 0, 0));
  });
  afterEach(async () => {
    await connection?.close();
    await cleanup?.();
  });

  it.skipIf(target.skip)('upserts, archives and restores sections, courses and terms', async () => {
    const repo = open();
    const sections = Array.from({ length: 8 }, (_, index) => sectionRow(index + 1));
    const courses = [courseRow(0), courseRow(1), courseRow(2)];
    const terms = [termRow(1), termRow(2)];
    expect(await repo.upsert('sections', sections, 'run-1')).toEqual({
      created: 8,
      updated: 0,
      restored: 0,
      unchanged: 0,
    });
    expect(await repo.upsert('courses', courses, 'run-1')).toMatchObject({ created: 3 });
    expect(await repo.upsert('terms', terms, 'run-1')).toMatchObject({ created: 2 });

    // An identical second run writes nothing but "seen"; a real change is one update.
    const changed = sections.map((row, index) => (index === 0 ? { ...row, period: '9' } : row));
    expect(await repo.upsert('sections', changed.slice(0, 6), 'run-2')).toEqual({
      created: 0,
      updated: 1,
      restored: 0,
      unchanged: 5,
    });
    expect(await repo.upsert('terms', [{ ...terms[0]!, endDate: '2026-06-12' }], 'run-2')).toMatchObject({
      updated: 1,
    });
    expect(await repo.upsert('courses', courses.slice(0, 2), 'run-2')).toMatchObject({ unchanged: 2 });

    expect(await repo.countUnseenActive('sections', 'run-2')).toBe(2);
    expect(await repo.archiveUnseen('sections', 'run-2', clock)).toBe(2);
    expect(await repo.archiveUnseen('courses', 'run-2', clock)).toBe(1);
    expect(await repo.archiveByCleverIds('terms', [terms[1]!.cleverId], clock)).toBe(1);
    expect(await repo.countActive('sections')).toBe(6);
    expect(await repo.countActive('courses')).toBe(2);
    expect(await repo.countActive('terms')).toBe(1);

    const active: string[] = [];
    for await (const page of repo.iterateActiveCleverIds('sections', 4)) active.push(...page);
    expect(active).toEqual(
      sections
        .slice(0, 6)
        .map((row) => row.cleverId)
        .sort(),
    );

    expect(await repo.upsert('sections', sections, 'run-3')).toMatchObject({ restored: 2, updated: 1 });
    expect(await repo.countActive('sections')).toBe(8);
    expect(await repo.markSeen('courses', [courses[2]!.cleverId], 'run-3')).toBeUndefined();
    expect(await repo.plan('courses', [courseRow(0), courseRow(7)])).toMatchObject({
      created: 1,
      unchanged: 1,
      samples: { created: [courseRow(7).cleverId] },
    });
    expect(await repo.deleteInactive('terms', new Date(clock.getTime() + 1))).toBe(1);
    expect(await repo.countActive('terms')).toBe(1);
  });

  it.skipIf(target.skip)('stores every section, course and term column as given', async () => {
    const repo = open();
    const section = sectionRow(42, { extJson: '{"room":"ü 12"}', grade: 'Other: a long free-text grade' });
    await repo.upsert('sections', [section], 'run-cols');
    await repo.upsert('courses', [courseRow(4)], 'run-cols');
    await repo.upsert('terms', [termRow(3)], 'run-cols');
    const client = connection.client;
    const strip = <R extends Record<string, unknown>>(row: R) => {
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
      } = row;
      expect({ isActive, firstSeenRunId, lastSeenRunId }).toEqual({
        isActive: true,
        firstSeenRunId: 'run-cols',
        lastSeenRunId: 'run-cols',
      });
      return data;
    };
    expect(strip(await client.section.findUniqueOrThrow({ where: { cleverId: section.cleverId } }))).toEqual(
      section,
    );
    expect(
      strip(await client.course.findUniqueOrThrow({ where: { cleverId: courseRow(4).cleverId } })),
    ).toEqual(courseRow(4));
    expect(strip(await client.term.findUniqueOrThrow({ where: { cleverId: termRow(3).cleverId } }))).toEqual(
      termRow(3),
    );
  });

  it.skipIf(target.skip)('replaces links set-wise: added, removed, unchanged, duplicates once', async () => {
    const repo = open();
    const first: SectionMembers[] = [
      { sectionId: S(1), memberIds: [P(1), P(2), P(3)] },
      { sectionId: S(2), memberIds: [P(3), P(4), P(4)] }, // a duplicate counts once
      { sectionId: S(3), memberIds: [P(5)] },
      { sectionId: S(4), memberIds: [] },
    ];
    expect(await repo.replaceSectionLinks('students', first)).toEqual({ listed: 6, added: 6, removed: 0 });
    expect(await repo.countLinks('students')).toBe(6);
    expect(await repo.countLinks('teachers')).toBe(0);
    // The same lists again: nothing to do.
    expect(await repo.replaceSectionLinks('students', first)).toEqual({ listed: 6, added: 0, removed: 0 });

    const stamps = async () =>
      new Map(
        (await connection.client.sectionStudent.findMany()).map((link) => [
          `${link.sectionCleverId}/${link.studentCleverId}`,
          link.createdAt.getTime(),
        ]),
      );
    const before = await stamps();
    clock = new Date(clock.getTime() + 60_000);
    const second: SectionMembers[] = [
      { sectionId: S(1), memberIds: [P(1), P(3), P(6)] }, // drop P2, enrol P6
      { sectionId: S(2), memberIds: [] }, // everyone dropped
      // S3 not listed: left alone
    ];
    expect(await repo.replaceSectionLinks('students', second)).toEqual({ listed: 3, added: 1, removed: 3 });
    expect(await pairs(repo, 'students')).toEqual(
      [`${S(1)}/${P(1)}`, `${S(1)}/${P(3)}`, `${S(1)}/${P(6)}`, `${S(3)}/${P(5)}`].sort(),
    );
    // Links that stayed were not rewritten; the new one carries the new time.
    const after = await stamps();
    for (const key of [`${S(1)}/${P(1)}`, `${S(1)}/${P(3)}`, `${S(3)}/${P(5)}`]) {
      expect(after.get(key), key).toBe(before.get(key));
    }
    expect(after.get(`${S(1)}/${P(6)}`)).toBe(clock.getTime());

    // A section listed twice in one call: the last list wins.
    expect(
      await repo.replaceSectionLinks('teachers', [
        { sectionId: S(1), memberIds: [T(1), T(2)] },
        { sectionId: S(1), memberIds: [T(3)] },
      ]),
    ).toEqual({ listed: 1, added: 1, removed: 0 });
    expect(await pairs(repo, 'teachers')).toEqual([`${S(1)}/${T(3)}`]);
  });

  it.skipIf(target.skip)('chunks many sections, and plans without writing anything', async () => {
    const repo = open(4);
    const sections = Array.from({ length: 23 }, (_, index) => ({
      sectionId: S(index),
      memberIds: Array.from({ length: (index % 5) + 1 }, (_, member) => P(index * 10 + member)),
    }));
    const total = sections.reduce((sum, section) => sum + section.memberIds.length, 0);
    const plan = await repo.planSectionLinks('students', sections);
    expect(plan).toEqual({ listed: total, added: total, removed: 0 });
    expect(await repo.countLinks('students')).toBe(0);

    expect(await repo.replaceSectionLinks('students', sections)).toEqual(plan);
    const moved = sections.map((section, index) =>
      index % 2 === 0 ? { ...section, memberIds: [...section.memberIds.slice(1), P(9_999)] } : section,
    );
    const changes = await repo.planSectionLinks('students', moved);
    expect(changes).toEqual({ listed: total, added: 12, removed: 12 });
    expect(await repo.countLinks('students')).toBe(total);
    expect(await pairs(repo, 'students')).not.toContain(`${S(0)}/${P(9_999)}`);
    expect(await repo.replaceSectionLinks('students', moved)).toEqual(changes);
    expect(await pairs(repo, 'students')).toContain(`${S(0)}/${P(9_999)}`);
  });

  it.skipIf(target.skip)('pages links in section, then member order', async () => {
    const repo = open();
    await repo.replaceSectionLinks('teachers', [
      { sectionId: S(3), memberIds: [T(2), T(1)] },
      { sectionId: S(1), memberIds: [T(3), T(1), T(2)] },
      { sectionId: S(2), memberIds: [T(1)] },
    ]);
    const pages = await all(repo, 'teachers', 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2]);
    const flat = pages.flat().map((link) => [link.sectionId, link.memberId]);
    expect(flat).toEqual([
      [S(1), T(1)],
      [S(1), T(2)],
      [S(1), T(3)],
      [S(2), T(1)],
      [S(3), T(1)],
      [S(3), T(2)],
    ]);
    expect(await all(repo, 'students')).toEqual([]);
  });

  it.skipIf(target.skip)('prunes links of archived sections and members, keeps unknown ones', async () => {
    const repo = open();
    await repo.upsert('sections', [sectionRow(1), sectionRow(2), sectionRow(3)], 'run-1');
    await repo.upsert('students', [studentRow(1), studentRow(2)], 'run-1');
    await repo.upsert('teachers', [teacherRow(1), teacherRow(2)], 'run-1');
    await repo.replaceSectionLinks('students', [
      { sectionId: S(1), memberIds: [P(1), P(2), P(77)] }, // P77: a student this school has no row for
      { sectionId: S(2), memberIds: [P(1)] },
      { sectionId: S(99), memberIds: [P(1), P(2)] }, // a section this database has no row for
    ]);
    await repo.replaceSectionLinks('teachers', [
      { sectionId: S(1), memberIds: [T(1), T(2)] },
      { sectionId: S(2), memberIds: [T(2)] },
    ]);
    expect(await repo.pruneLinks()).toEqual({ teachers: 0, students: 0 });

    await repo.archiveByCleverIds('sections', [S(2)], clock);
    await repo.archiveByCleverIds('students', [P(2)], clock);
    await repo.archiveByCleverIds('teachers', [T(1)], clock);
    expect(await repo.pruneLinks()).toEqual({ teachers: 2, students: 3 });
    expect(await pairs(repo, 'students')).toEqual([
      `${S(1)}/${P(1)}`,
      `${S(1)}/${P(77)}`,
      `${S(99)}/${P(1)}`,
    ]);
    expect(await pairs(repo, 'teachers')).toEqual([`${S(1)}/${T(2)}`]);
    expect(await repo.pruneLinks()).toEqual({ teachers: 0, students: 0 });
  });

  it.skipIf(target.skip)('tells which ids are active rows', async () => {
    const repo = open();
    await repo.upsert('students', [studentRow(1), studentRow(2), studentRow(3)], 'run-1');
    await repo.upsert('sections', [sectionRow(1)], 'run-1');
    await repo.archiveByCleverIds('students', [P(2)], clock);
    const ids = [P(1), P(2), P(3), P(4), P(1)];
    expect(await repo.activeAmong('students', ids)).toEqual(new Set([P(1), P(3)]));
    expect(await repo.activeAmong('sections', [S(1), S(2)])).toEqual(new Set([S(1)]));
    expect(await repo.activeAmong('teachers', [])).toEqual(new Set());
  });

  it.skipIf(target.skip)(
    'answers "my students" of a teacher with the query of docs/database.md',
    async () => {
      const repo = open();
      await repo.upsert(
        'students',
        [
          studentRow(1, { lastName: 'Baker' }),
          studentRow(2, { lastName: 'Adams' }),
          studentRow(3, { lastName: 'Cole' }),
          studentRow(4, { lastName: 'Dunn' }),
        ],
        'run-1',
      );
      await repo.upsert('sections', [sectionRow(1), sectionRow(2), sectionRow(3)], 'run-1');
      await repo.replaceSectionLinks('teachers', [
        { sectionId: S(1), memberIds: [T(1)] },
        { sectionId: S(2), memberIds: [T(1), T(2)] },
        { sectionId: S(3), memberIds: [T(1)] },
      ]);
      await repo.replaceSectionLinks('students', [
        { sectionId: S(1), memberIds: [P(1), P(2)] },
        { sectionId: S(2), memberIds: [P(2), P(3)] }, // P2 in two of T1's sections: listed once
        { sectionId: S(3), memberIds: [P(4)] }, // an archived section's students are not "mine"
      ]);
      await repo.archiveByCleverIds('sections', [S(3)], clock);
      await repo.archiveByCleverIds('students', [P(3)], clock);

      const sql = myStudentsQuery(dialectFor(url).provider);
      const mine = await connection.roster.query({ sql, params: [T(1)], types: ['key'] });
      expect(mine.map((row) => [row.clever_id, row.last_name])).toEqual([
        [P(2), 'Adams'],
        [P(1), 'Baker'],
      ]);
      const theirs = await connection.roster.query({ sql, params: [T(2)], types: ['key'] });
      expect(theirs.map((row) => row.clever_id)).toEqual([P(2)]);
    },
  );
});
