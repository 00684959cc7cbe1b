/**
 * Proof that the migrations produce exactly the Prisma models. "The models" here is Prisma's
 * own parse of the derived schemas (the DMMF snapshot `npm run prisma:generate` writes beside
 * each client), so the check covers the whole chain models.ts -> schema.prisma -> migration.sql.
 * SQLite and PostgreSQL: migrate a fresh database and introspect it. SQL Server (no server
 * here): read the migration text and check it declares every model field, key and index.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSchema } from '../../prisma/derive.js';
import { DATABASES, PROVIDERS } from '../../prisma/models.js';
import type { DatabaseKind } from '../../src/db/base/dialect.js';
import { rosterTable } from '../../src/db/base/roster-columns.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { migrationsDirectory, projectRoot } from '../../src/db/migrate/files.js';
import {
  courseRow,
  createPostgresSchema,
  createSqlServerDatabase,
  postgresAvailable,
  postgresQuery,
  sectionRow,
  sqlserverAvailable,
  sqlserverQuery,
  studentRow,
  teacherRow,
  tempDir,
  termRow,
} from './support.js';

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: string;
  type: string;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface Dmmf {
  models: DmmfModel[];
  indexes: {
    model: string;
    type: string;
    isDefinedOnField?: boolean;
    dbName?: string | null;
    fields: { name: string }[];
  }[];
}

interface TableShape {
  columns: Record<string, { type: string; nullable: boolean }>;
  primaryKey: string[];
  indexes: Record<string, { columns: string[]; unique: boolean }>;
  foreignKeys: string[];
}

function loadDmmf(database: DatabaseKind, provider: string): Dmmf {
  const path = join(projectRoot(), 'src', 'generated', `${database}-${provider}`, 'dmmf.json');
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run prisma:generate`);
  return JSON.parse(readFileSync(path, 'utf8')) as Dmmf;
}

function columnType(field: DmmfField, provider: string): string {
  const native = field.nativeType ? `${field.nativeType[0]}(${field.nativeType[1].join(',')})` : null;
  const types: Record<string, Record<string, string>> = {
    sqlite: { Int: 'INTEGER', String: 'TEXT', Boolean: 'BOOLEAN', DateTime: 'DATETIME' },
    postgresql: {
      Int: 'integer',
      String: 'text',
      Boolean: 'boolean',
      DateTime: 'timestamp(3) without time zone',
    },
    sqlserver: { Int: 'INT', String: 'NVARCHAR(1000)', Boolean: 'BIT', DateTime: 'DATETIME2' },
  };
  if (native && provider === 'postgresql') return native.replace(/^VarChar/, 'character varying');
  if (native && provider === 'sqlserver') return native.toUpperCase();
  const type = types[provider]?.[field.type];
  if (!type) throw new Error(`no ${provider} type for ${field.type}`);
  return type;
}

/** What Prisma expects each table to look like, with Prisma's default constraint names. */
function expectedShapes(dmmf: Dmmf, provider: string): Record<string, TableShape> {
  const tables: Record<string, TableShape> = {};
  const tableOf = (modelName: string) => {
    const model = dmmf.models.find((candidate) => candidate.name === modelName);
    return model?.dbName ?? modelName;
  };
  for (const model of dmmf.models) {
    const table = tableOf(model.name);
    const column = (name: string) => {
      const field = model.fields.find((candidate) => candidate.name === name);
      return field?.dbName ?? name;
    };
    const shape: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (field.relationFromFields?.length) {
          const from = field.relationFromFields.map(column);
          shape.foreignKeys.push(
            `${table}_${from.join('_')}_fkey: (${from.join(',')}) -> ${tableOf(field.type)}(${(field.relationToFields ?? []).join(',')})`,
          );
        }
        continue;
      }
      shape.columns[column(field.name)] = { type: columnType(field, provider), nullable: !field.isRequired };
      if (field.isId) shape.primaryKey = [column(field.name)];
    }
    // A composite primary key (@@id) is only in the index list.
    const compositeId = dmmf.indexes.find(
      (candidate) => candidate.model === model.name && candidate.type === 'id' && !candidate.isDefinedOnField,
    );
    if (compositeId) shape.primaryKey = compositeId.fields.map((field) => column(field.name));
    for (const index of dmmf.indexes.filter(
      (candidate) => candidate.model === model.name && candidate.type !== 'id',
    )) {
      const columns = index.fields.map((field) => column(field.name));
      const unique = index.type === 'unique';
      shape.indexes[index.dbName ?? `${table}_${columns.join('_')}_${unique ? 'key' : 'idx'}`] = {
        columns,
        unique,
      };
    }
    tables[table] = shape;
  }
  return tables;
}

function introspectSqlite(path: string): Record<string, TableShape> {
  const db = new Database(path, { readonly: true });
  try {
    const tables: Record<string, TableShape> = {};
    const names = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'",
      )
      .all() as { name: string }[];
    for (const { name } of names) {
      const shape: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
      const tableColumns = db.pragma(`table_info("${name}")`) as {
        name: string;
        type: string;
        notnull: number;
        pk: number;
      }[];
      for (const column of tableColumns) {
        // SQLite lets an INTEGER PRIMARY KEY hold NULL in theory; Prisma declares it NOT NULL.
        shape.columns[column.name] = { type: column.type, nullable: column.notnull === 0 };
      }
      // `pk` is the column's position in the primary key (1-based), 0 outside it.
      shape.primaryKey = tableColumns
        .filter((column) => column.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((column) => column.name);
      for (const index of db.pragma(`index_list("${name}")`) as {
        name: string;
        unique: number;
        origin: string;
      }[]) {
        if (index.origin === 'pk') continue;
        const columns = (db.pragma(`index_info("${index.name}")`) as { seqno: number; name: string }[])
          .sort((a, b) => a.seqno - b.seqno)
          .map((entry) => entry.name);
        shape.indexes[index.name] = { columns, unique: index.unique === 1 };
      }
      const fks = db.pragma(`foreign_key_list("${name}")`) as {
        id: number;
        table: string;
        from: string;
        to: string;
      }[];
      for (const id of [...new Set(fks.map((fk) => fk.id))]) {
        const parts = fks.filter((fk) => fk.id === id);
        const from = parts.map((fk) => fk.from);
        // SQLite does not keep constraint names in PRAGMA output: read it from the table SQL.
        const sql = (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string })
          .sql;
        const fkName = new RegExp(`CONSTRAINT "([^"]+)" FOREIGN KEY \\("${from[0]}"`).exec(sql)?.[1];
        shape.foreignKeys.push(
          `${fkName}: (${from.join(',')}) -> ${parts[0]?.table}(${parts.map((fk) => fk.to).join(',')})`,
        );
      }
      tables[name] = shape;
    }
    return tables;
  } finally {
    db.close();
  }
}

async function introspectPostgres(url: string): Promise<Record<string, TableShape>> {
  const tables: Record<string, TableShape> = {};
  const columns = await postgresQuery<{ table: string; column: string; type: string; notnull: boolean }>(
    url,
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       AND c.relname <> '_prisma_migrations'
     ORDER BY c.relname, a.attnum`,
  );
  for (const row of columns) {
    tables[row.table] ??= { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    tables[row.table]!.columns[row.column] = { type: row.type, nullable: !row.notnull };
  }
  const indexes = await postgresQuery<{
    table: string;
    index: string;
    unique: boolean;
    primary: boolean;
    columns: string[];
  }>(
    url,
    `SELECT t.relname AS table, i.relname AS index, x.indisunique AS unique, x.indisprimary AS primary,
            array_agg(a.attname::text ORDER BY k.ordinality) AS columns
     FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ordinality)
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
     WHERE n.nspname = current_schema() AND t.relname <> '_prisma_migrations'
     GROUP BY t.relname, i.relname, x.indisunique, x.indisprimary`,
  );
  for (const row of indexes) {
    const shape = tables[row.table];
    if (!shape) continue;
    if (row.primary) shape.primaryKey = row.columns;
    else shape.indexes[row.index] = { columns: row.columns, unique: row.unique };
  }
  const fks = await postgresQuery<{ table: string; name: string; definition: string }>(
    url,
    `SELECT t.relname AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS definition
     FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE c.contype = 'f' AND n.nspname = current_schema()`,
  );
  for (const row of fks) {
    const match = /FOREIGN KEY \((.+?)\) REFERENCES (\w+)\((.+?)\)/.exec(row.definition);
    tables[row.table]?.foreignKeys.push(`${row.name}: (${match?.[1]}) -> ${match?.[2]}(${match?.[3]})`);
  }
  return tables;
}

/** The same shape from SQL Server's catalog views (CI job `sqlserver`; never run on this machine). */
async function introspectSqlServer(url: string): Promise<Record<string, TableShape>> {
  const tables: Record<string, TableShape> = {};
  const columns = await sqlserverQuery<{
    table: string;
    column: string;
    type: string;
    length: number;
    nullable: boolean;
  }>(
    url,
    `SELECT t.name AS [table], c.name AS [column], TYPE_NAME(c.user_type_id) AS [type],
            c.max_length AS [length], c.is_nullable AS [nullable]
     FROM sys.columns AS c JOIN sys.tables AS t ON t.object_id = c.object_id
     WHERE SCHEMA_NAME(t.schema_id) = 'dbo' AND t.name <> '_prisma_migrations'
     ORDER BY t.name, c.column_id`,
  );
  for (const row of columns) {
    const type = row.type.toUpperCase();
    const sized = type === 'NVARCHAR' ? `NVARCHAR(${row.length === -1 ? 'MAX' : row.length / 2})` : type;
    tables[row.table] ??= { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    tables[row.table]!.columns[row.column] = { type: sized, nullable: Boolean(row.nullable) };
  }
  const indexes = await sqlserverQuery<{
    table: string;
    index: string;
    unique: boolean;
    primary: boolean;
    column: string;
  }>(
    url,
    `SELECT t.name AS [table], i.name AS [index], i.is_unique AS [unique], i.is_primary_key AS [primary],
            c.name AS [column]
     FROM sys.indexes AS i JOIN sys.tables AS t ON t.object_id = i.object_id
     JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
     JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
     WHERE SCHEMA_NAME(t.schema_id) = 'dbo' AND t.name <> '_prisma_migrations' AND ic.is_included_column = 0
     ORDER BY t.name, i.name, ic.key_ordinal`,
  );
  for (const row of indexes) {
    const shape = tables[row.table];
    if (!shape) continue;
    if (row.primary) shape.primaryKey.push(row.column);
    else {
      shape.indexes[row.index] ??= { columns: [], unique: Boolean(row.unique) };
      shape.indexes[row.index]!.columns.push(row.column);
    }
  }
  const fks = await sqlserverQuery<{
    table: string;
    name: string;
    column: string;
    target: string;
    targetColumn: string;
  }>(
    url,
    `SELECT t.name AS [table], fk.name AS [name], c.name AS [column], rt.name AS [target], rc.name AS [targetColumn]
     FROM sys.foreign_keys AS fk JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
     JOIN sys.tables AS rt ON rt.object_id = fk.referenced_object_id
     JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
     JOIN sys.columns AS c ON c.object_id = fkc.parent_object_id AND c.column_id = fkc.parent_column_id
     JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
     ORDER BY fk.name, fkc.constraint_column_id`,
  );
  for (const name of [...new Set(fks.map((fk) => fk.name))]) {
    const parts = fks.filter((fk) => fk.name === name);
    tables[parts[0]!.table]?.foreignKeys.push(
      `${name}: (${parts.map((fk) => fk.column).join(',')}) -> ${parts[0]!.target}(${parts.map((fk) => fk.targetColumn).join(',')})`,
    );
  }
  return tables;
}

const normalize = (tables: Record<string, TableShape>) =>
  Object.fromEntries(
    Object.entries(tables).map(([name, shape]) => [
      name,
      { ...shape, foreignKeys: [...shape.foreignKeys].sort() },
    ]),
  );

describe.each(['session', 'school'] as const)(
  '%s database: migrations match the Prisma models',
  (database) => {
    const temp = tempDir();
    const drops: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const drop of drops) await drop();
      temp.cleanup();
    });

    it('on SQLite', async () => {
      const path = join(temp.dir, `${database}.db`);
      await applyMigrations({ url: `file:${path}`, database });
      expect(normalize(introspectSqlite(path))).toEqual(
        normalize(expectedShapes(loadDmmf(database, 'sqlite'), 'sqlite')),
      );
    });

    it.skipIf(!postgresAvailable)('on PostgreSQL', async () => {
      const schema = await createPostgresSchema();
      drops.push(schema.drop);
      await applyMigrations({ url: schema.url, database });
      expect(normalize(await introspectPostgres(schema.url))).toEqual(
        normalize(expectedShapes(loadDmmf(database, 'postgresql'), 'postgresql')),
      );
    });

    it.skipIf(!sqlserverAvailable)('on SQL Server (a live server)', async () => {
      const fresh = await createSqlServerDatabase();
      drops.push(fresh.drop);
      await applyMigrations({ url: fresh.url, database });
      expect(normalize(await introspectSqlServer(fresh.url))).toEqual(
        normalize(expectedShapes(loadDmmf(database, 'sqlserver'), 'sqlserver')),
      );
    });

    it('on SQL Server (migration text covers every field, key and index)', () => {
      const dir = migrationsDirectory(database, 'sqlserver');
      const sql = readdirSync(dir)
        .filter((name) => /^\d{14}_/.test(name))
        .sort()
        .map((name) => readFileSync(join(dir, name, 'migration.sql'), 'utf8'))
        .join('\n');
      for (const [table, shape] of Object.entries(
        expectedShapes(loadDmmf(database, 'sqlserver'), 'sqlserver'),
      )) {
        const body = new RegExp(`CREATE TABLE \\[dbo\\]\\.\\[${table}\\] \\(([\\s\\S]*?)\\n\\);`).exec(
          sql,
        )?.[1];
        expect(body, `CREATE TABLE ${table}`).toBeDefined();
        // Later migrations add columns: `ALTER TABLE [dbo].[t] ADD [a] ...,\n[b] ...;`
        const added = [
          ...sql.matchAll(new RegExp(`ALTER TABLE \\[dbo\\]\\.\\[${table}\\] ADD ([^;]*);`, 'g')),
        ].map((match) => match[1] ?? '');
        const declarations = [body ?? '', ...added].flatMap((part) => part.split('\n'));
        for (const [column, { type, nullable }] of Object.entries(shape.columns)) {
          const line = declarations.find((candidate) => candidate.trim().startsWith(`[${column}] `));
          expect(line, `${table}.${column}`).toBeDefined();
          expect(line?.toUpperCase()).toContain(` ${type.replace('(MAX)', '(MAX)')}`);
          expect(line?.includes('NOT NULL'), `${table}.${column} nullability`).toBe(!nullable);
        }
        const key = shape.primaryKey.map((column) => `[${column}]`).join(',');
        expect(body).toContain(`CONSTRAINT [${table}_pkey] PRIMARY KEY CLUSTERED (${key})`);
        for (const [name, index] of Object.entries(shape.indexes)) {
          const columns = index.columns.map((column) => `[${column}]`).join(', ');
          if (index.unique) expect(body).toContain(`CONSTRAINT [${name}] UNIQUE NONCLUSTERED (${columns})`);
          else expect(sql).toContain(`CREATE NONCLUSTERED INDEX [${name}] ON [dbo].[${table}](${columns});`);
        }
        for (const fk of shape.foreignKeys)
          expect(sql).toContain(`ADD CONSTRAINT [${fk.split(':')[0]}] FOREIGN KEY`);
      }
    });
  },
);

describe('derived files', () => {
  it('schema.prisma files are exactly what prisma/models.ts derives (run npm run db:derive)', () => {
    for (const database of DATABASES) {
      for (const provider of PROVIDERS) {
        const path = join(projectRoot(), 'prisma', database.name, provider, 'schema.prisma');
        expect(readFileSync(path, 'utf8'), path).toBe(renderSchema(database, provider));
      }
    }
  });

  it('class data columns are exactly the SectionRow / CourseRow / TermRow fields', () => {
    const fields = (entity: 'sections' | 'courses' | 'terms') =>
      rosterTable(entity)
        .columns.map((column) => column.field)
        .sort();
    expect(fields('sections')).toEqual(Object.keys(sectionRow(1)).sort());
    expect(fields('courses')).toEqual(Object.keys(courseRow(1)).sort());
    expect(fields('terms')).toEqual(Object.keys(termRow(1)).sort());
  });

  it('roster data columns are exactly the StudentRow / TeacherRow fields', () => {
    expect(
      rosterTable('students')
        .columns.map((column) => column.field)
        .sort(),
    ).toEqual(Object.keys(studentRow(1)).sort());
    expect(
      rosterTable('teachers')
        .columns.map((column) => column.field)
        .sort(),
    ).toEqual(Object.keys(teacherRow(1)).sort());
  });
});
