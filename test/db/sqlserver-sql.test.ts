/**
 * SQL Server cannot run here, so its SQL is checked as text: parameter counts under SQL
 * Server's 2,100 limit, placeholders bound one-to-one, and the OPENJSON rowset covering every
 * roster column with the column's type. (Untested against a live server: docs/database.md.)
 */

import mssql from 'mssql';
import { describe, expect, it } from 'vitest';
import { linkTable, prepareRows, rosterTable } from '../../src/db/base/roster-columns.js';
import type { SqlStatement } from '../../src/db/base/roster-sql.js';
import { bindParameters } from '../../src/db/sqlserver/executor.js';
import {
  acquireMigrationLockSql,
  createMigrationsTableSql,
  hasMigrationsTableSql,
  listMigrationsSql,
  openJsonRowset,
  SQLSERVER_MAX_PARAMETERS,
  sqlserverRosterSql,
} from '../../src/db/sqlserver/sql.js';
import { sectionRow, studentRow, teacherRow } from './support.js';

const sql = sqlserverRosterSql();

function expectPlaceholdersMatch(statement: SqlStatement): void {
  const used = new Set([...statement.sql.matchAll(/@P(\d+)/g)].map((match) => Number(match[1])));
  expect(statement.params.length).toBeLessThan(SQLSERVER_MAX_PARAMETERS);
  expect([...used].sort((a, b) => a - b)).toEqual(statement.params.map((_, index) => index + 1));
  // Every parameter has a declared type (src/db/sqlserver/executor.ts binds by it).
  expect(statement.types).toHaveLength(statement.params.length);
}

describe('SQL Server roster SQL', () => {
  const { table, columns } = rosterTable('students');
  const rows = prepareRows(
    'students',
    Array.from({ length: sql.maxRowsPerUpsert(columns) }, (_, index) => studentRow(index + 1)),
  );

  it('upserts a full chunk with three parameters: rows as one JSON document, run id, timestamp', () => {
    const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6));
    const statement = sql.upsert(table, columns, rows, 'run-1', now);
    expectPlaceholdersMatch(statement);
    expect(statement.params).toHaveLength(3);
    expect(statement.params.slice(1)).toEqual(['run-1', now]);

    const documents = JSON.parse(String(statement.params[0])) as Record<string, unknown>[];
    expect(documents).toHaveLength(rows.length);
    expect(Object.keys(documents[0]!).sort()).toEqual(
      [...columns.map((column) => column.column), 'content_hash'].sort(),
    );
    expect(documents[0]).toMatchObject({
      clever_id: rows[0]!.cleverId,
      content_hash: rows[0]!.contentHash,
      // ISO 8601 without a zone: OPENJSON converts it to DATETIME2 (UTC by convention).
      clever_created: '2024-01-01T08:00:00.123',
      middle_name: 'M',
      iep_status: null,
    });
  });

  it('reads every column from OPENJSON with its declared type', () => {
    const rowset = openJsonRowset('@P1', columns);
    for (const column of columns) {
      const type =
        column.type === 'DateTime'
          ? 'DATETIME2'
          : column.size === 'key'
            ? 'NVARCHAR(64)'
            : column.size === 'short'
              ? 'NVARCHAR(40)'
              : typeof column.size === 'number'
                ? `NVARCHAR(${column.size})`
                : 'NVARCHAR(MAX)';
      expect(rowset).toContain(`[${column.column}] ${type} '$.${column.column}'`);
    }
    expect(rowset).toContain(`[content_hash] NVARCHAR(64) '$.content_hash'`);
  });

  it('MERGEs on clever_id: updates every data column and restores, inserts with bookkeeping', () => {
    const statement = sql.upsert(table, columns, rows.slice(0, 2), 'run-1', new Date());
    expect(statement.sql).toMatch(
      /^MERGE \[dbo\]\.\[students\] WITH \(HOLDLOCK\) AS t USING OPENJSON\(@P1\) WITH \(/,
    );
    expect(statement.sql).toContain('ON t.[clever_id] = s.[clever_id]');
    const update = /WHEN MATCHED THEN UPDATE SET (.*?) WHEN NOT MATCHED/.exec(statement.sql)?.[1] ?? '';
    for (const column of columns.filter((candidate) => candidate.column !== 'clever_id')) {
      expect(update).toContain(`t.[${column.column}] = s.[${column.column}]`);
    }
    expect(update).toContain(
      't.[is_active] = 1, t.[deactivated_at] = NULL, t.[last_seen_run_id] = @P2, t.[updated_at] = @P3',
    );
    expect(update).not.toContain('first_seen_run_id');
    expect(statement.sql).toMatch(
      /WHEN NOT MATCHED BY TARGET THEN INSERT \(.*\[first_seen_run_id\].*\) VALUES \(.*@P2, @P2, @P3, @P3\);$/,
    );
  });

  it('passes id lists as one JSON parameter, typed to seek the clever_id index', () => {
    const ids = Array.from({ length: 5_000 }, (_, index) => studentRow(index).cleverId);
    for (const statement of [
      sql.selectExisting(table, ids),
      sql.touch(table, ids, 'run-1'),
      sql.archiveByCleverIds(table, ids, new Date()),
    ]) {
      expectPlaceholdersMatch(statement);
      expect(statement.sql).toMatch(/OPENJSON\(@P\d\) WITH \(\[clever_id\] NVARCHAR\(64\) '\$'\)/);
      expect(
        JSON.parse(
          String(statement.params.find((param) => typeof param === 'string' && param.startsWith('['))),
        ),
      ).toEqual(ids);
    }
  });

  it('binds every placeholder of the other statements', () => {
    const teachers = rosterTable('teachers');
    for (const statement of [
      sql.countActive(teachers.table),
      sql.countUnseenActive(teachers.table, 'run-1'),
      sql.archiveUnseen(teachers.table, 'run-1', new Date()),
      sql.activeIdsPage(teachers.table, null, 1000),
      sql.activeIdsPage(teachers.table, teacherRow(1).cleverId, 1000),
      sql.deleteInactive(teachers.table, new Date()),
    ]) {
      expectPlaceholdersMatch(statement);
      expect(statement.sql).toContain('[dbo].[teachers]');
    }
  });

  it("writes Prisma's _prisma_migrations table and takes Prisma's lock", () => {
    expect(createMigrationsTableSql('dbo')).toContain('CREATE TABLE [dbo].[_prisma_migrations] (');
    expect(createMigrationsTableSql('dbo')).toContain('migration_name          NVARCHAR(250) NOT NULL');
    expect(createMigrationsTableSql('dbo')).toContain(
      'started_at              DATETIMEOFFSET NOT NULL DEFAULT CURRENT_TIMESTAMP',
    );
    expect(acquireMigrationLockSql(5000)).toContain(
      "sp_getapplock @Resource = 'prisma_migrate', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 5000",
    );
    expect(() => sqlserverRosterSql('dbo]; DROP TABLE x;--')).toThrow(/plain identifier/);
  });
});

describe('SQL Server class roster and section link SQL', () => {
  const students = linkTable('students');
  const teachers = linkTable('teachers');
  // A district-sized chunk's worth of pairs still travels as one parameter.
  const pairs = Array.from({ length: 40_000 }, (_, index) => ({
    sectionId: sectionRow(index % 1_200).cleverId,
    memberId: studentRow(index).cleverId,
  }));

  it('reads the link tables from the models', () => {
    expect(students).toEqual({
      table: 'section_students',
      sectionColumn: 'section_clever_id',
      memberColumn: 'student_clever_id',
      sectionTable: 'sections',
      memberTable: 'students',
    });
    expect(teachers).toMatchObject({ table: 'section_teachers', memberColumn: 'teacher_clever_id' });
  });

  it('upserts sections with the same MERGE, every section column from OPENJSON', () => {
    const { table, columns } = rosterTable('sections');
    const statement = sql.upsert(
      table,
      columns,
      prepareRows('sections', [sectionRow(1)]),
      'run-1',
      new Date(),
    );
    expectPlaceholdersMatch(statement);
    expect(statement.sql).toMatch(/^MERGE \[dbo\]\.\[sections\] WITH \(HOLDLOCK\)/);
    for (const column of ['clever_course_id', 'clever_term_id', 'primary_teacher_clever_id']) {
      expect(statement.sql).toContain(`[${column}] NVARCHAR(64) '$.${column}'`);
    }
    expect(statement.sql).toContain(`[grade] NVARCHAR(MAX) '$.grade'`);
    expect(openJsonRowset('@P1', rosterTable('terms').columns)).toContain(
      `[start_date] NVARCHAR(10) '$.start_date'`,
    );
  });

  it('passes pairs as one JSON document of {s, m} read as a typed rowset', () => {
    const at = new Date(Date.UTC(2025, 8, 1));
    const insert = sql.insertLinks(students, pairs, at);
    const remove = sql.deleteLinks(students, pairs);
    for (const statement of [insert, remove]) {
      expectPlaceholdersMatch(statement);
      expect(statement.sql).toContain(
        "OPENJSON(@P1) WITH ([section_id] NVARCHAR(64) '$.s', [member_id] NVARCHAR(64) '$.m') AS p",
      );
      expect(JSON.parse(String(statement.params[0]))).toEqual(
        pairs.map((pair) => ({ s: pair.sectionId, m: pair.memberId })),
      );
    }
    expect(insert.params[1]).toBe(at);
    expect(insert.sql).toMatch(
      /^INSERT INTO \[dbo\]\.\[section_students\] \(\[section_clever_id\], \[student_clever_id\], \[created_at\]\) SELECT p\.section_id, p\.member_id, @P2 FROM /,
    );
    // Insert unless present: an existing link keeps its created_at.
    expect(insert.sql).toContain(
      'WHERE NOT EXISTS (SELECT 1 FROM [dbo].[section_students] AS l WITH (UPDLOCK, HOLDLOCK) WHERE l.[section_clever_id] = p.section_id AND l.[student_clever_id] = p.member_id)',
    );
    expect(remove.sql).toBe(
      'DELETE l FROM [dbo].[section_students] AS l INNER JOIN ' +
        "OPENJSON(@P1) WITH ([section_id] NVARCHAR(64) '$.s', [member_id] NVARCHAR(64) '$.m') AS p " +
        'ON l.[section_clever_id] = p.section_id AND l.[student_clever_id] = p.member_id',
    );
  });

  it('reads links by section, pages them in key order, counts them', () => {
    const select = sql.selectLinks(teachers, ['a', 'b']);
    expectPlaceholdersMatch(select);
    expect(select.sql).toBe(
      'SELECT l.[section_clever_id] AS section_id, l.[teacher_clever_id] AS member_id FROM [dbo].[section_teachers] AS l ' +
        "INNER JOIN OPENJSON(@P1) WITH ([clever_id] NVARCHAR(64) '$') AS ids ON l.[section_clever_id] = ids.clever_id",
    );
    const first = sql.linksPage(teachers, null, 500);
    const next = sql.linksPage(teachers, { sectionId: 's1', memberId: 't1' }, 500);
    for (const statement of [first, next, sql.countLinks(teachers)]) expectPlaceholdersMatch(statement);
    expect(first.sql).toMatch(
      /^SELECT TOP \(@P1\) .* ORDER BY l\.\[section_clever_id\], l\.\[teacher_clever_id\]$/,
    );
    expect(next.sql).toContain(
      'WHERE l.[section_clever_id] >= @P2 AND (l.[section_clever_id] > @P2 OR l.[teacher_clever_id] > @P3) ORDER BY',
    );
    expect(next.params).toEqual([500, 's1', 't1']);
  });

  it('prunes links of inactive sections and members in one parameterless statement', () => {
    for (const [link, members] of [
      [students, 'students'],
      [teachers, 'teachers'],
    ] as const) {
      const statement = sql.pruneLinks(link);
      expectPlaceholdersMatch(statement);
      expect(statement.sql).toBe(
        `DELETE FROM [dbo].[${link.table}] WHERE [section_clever_id] IN (SELECT clever_id FROM [dbo].[sections] WHERE is_active = 0) ` +
          `OR [${link.memberColumn}] IN (SELECT clever_id FROM [dbo].[${members}] WHERE is_active = 0)`,
      );
    }
  });

  it('finds the active rows among ids with one JSON parameter', () => {
    const statement = sql.activeAmong('sections', ['a', 'b']);
    expectPlaceholdersMatch(statement);
    expect(statement.sql).toBe(
      "SELECT t.clever_id FROM [dbo].[sections] AS t INNER JOIN OPENJSON(@P1) WITH ([clever_id] NVARCHAR(64) '$') AS ids " +
        'ON t.clever_id = ids.clever_id WHERE t.is_active = 1',
    );
  });
});

describe('SQL Server parameter declarations', () => {
  const { table, columns } = rosterTable('students');
  const ids = ['a', 'b'];
  const bound = (statement: SqlStatement) => {
    const request = bindParameters(new mssql.Request(), statement);
    return Object.values(request.parameters).map(({ name, type, length, scale }) => ({
      name,
      type,
      length,
      scale,
    }));
  };

  it('declares every JSON document NVARCHAR(MAX) and ids NVARCHAR(64) on the driver request', () => {
    const rows = prepareRows('students', [studentRow(1)]);
    for (const statement of [
      sqlserverRosterSql().selectExisting(table, ids),
      sqlserverRosterSql().upsert(table, columns, rows, 'run-1', new Date()),
      sqlserverRosterSql().touch(table, ids, 'run-1'),
      sqlserverRosterSql().archiveByCleverIds(table, ids, new Date()),
    ]) {
      const parameters = bound(statement);
      statement.params.forEach((value, index) => {
        const parameter = parameters[index];
        if (typeof value === 'string' && value.startsWith('[')) {
          expect(parameter).toMatchObject({ type: mssql.NVarChar, length: mssql.MAX });
        } else if (value instanceof Date) {
          expect(parameter).toMatchObject({ type: mssql.DateTime2, scale: 3 });
        } else {
          expect(parameter).toMatchObject({ type: mssql.NVarChar, length: 64 });
        }
      });
    }
    const link = linkTable('students');
    const pair = [{ sectionId: 's', memberId: 'm' }];
    expect(bound(sqlserverRosterSql().insertLinks(link, pair, new Date()))).toMatchObject([
      { type: mssql.NVarChar, length: mssql.MAX },
      { type: mssql.DateTime2, scale: 3 },
    ]);
    for (const statement of [
      sqlserverRosterSql().deleteLinks(link, pair),
      sqlserverRosterSql().selectLinks(link, ids),
      sqlserverRosterSql().activeAmong(table, ids),
    ]) {
      expect(bound(statement)).toMatchObject([{ type: mssql.NVarChar, length: mssql.MAX }]);
    }
    expect(bound(sqlserverRosterSql().linksPage(link, pair[0]!, 10))).toMatchObject([
      { type: mssql.Int },
      { type: mssql.NVarChar, length: 64 },
      { type: mssql.NVarChar, length: 64 },
    ]);
    expect(bound(sqlserverRosterSql().activeIdsPage(table, 'x', 10))).toMatchObject([
      { type: mssql.Int },
      { type: mssql.NVarChar, length: 64 },
    ]);
    expect(() => bindParameters(new mssql.Request(), { sql: 'SELECT @P1', params: ['x'] })).toThrow(
      /declared type/,
    );
  });

  it("reads the migration state with the applier's statements only (no lock, no DDL)", () => {
    // readMigrationState uses these two on SQL Server; sqlserver-driver.test.ts runs them on the wire.
    expect(hasMigrationsTableSql('dbo')).toMatchObject({
      sql: expect.stringMatching(/^SELECT 1 AS present FROM sys\.tables .*'_prisma_migrations'/),
      params: ['dbo'],
    });
    expect(listMigrationsSql('dbo')).toMatch(
      /^SELECT id, checksum, finished_at, .* FROM \[dbo\]\.\[_prisma_migrations\]/,
    );
  });
});
