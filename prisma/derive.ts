/**
 * Derives per-provider Prisma schemas and the initial migration SQL from prisma/models.ts.
 * Pure functions (no I/O): scripts/prisma-derive.ts writes the files, tests compare them.
 *
 * Names follow Prisma's defaults (`<table>_pkey`, `<table>_<columns>_key|_idx|_fkey`, SQL Server
 * `<table>_<column>_df`) and the SQL follows `prisma migrate diff`'s layout, so a later
 * `prisma migrate dev` against these databases sees no drift.
 */
import {
  columnName,
  type DatabaseDef,
  type FieldDef,
  type ModelDef,
  type ProviderName,
  type StringSize,
  tableName,
} from './models.js';

export const INIT_MIGRATION_NAME = '20251126000000_init';

const SHORT_LENGTH = 40;
const KEY_LENGTH = 64;

function stringLength(size: StringSize | undefined): number | 'max' {
  if (size === undefined || size === 'text') return 'max';
  if (size === 'key') return KEY_LENGTH;
  if (size === 'short') return SHORT_LENGTH;
  return size;
}

function fieldByName(model: ModelDef, name: string): FieldDef {
  const field = model.fields.find((candidate) => candidate.name === name);
  if (!field) throw new Error(`${model.name} has no field ${name}`);
  return field;
}

/** Unique and non-unique indexes with Prisma's default names. */
export function modelIndexes(model: ModelDef): { name: string; columns: string[]; unique: boolean }[] {
  const table = tableName(model);
  const unique = model.fields
    .filter((field) => field.unique)
    .map((field) => ({
      name: `${table}_${columnName(field.name)}_key`,
      columns: [columnName(field.name)],
      unique: true,
    }));
  const plain = (model.indexes ?? []).map((fields) => {
    const columns = fields.map((name) => columnName(fieldByName(model, name).name));
    return { name: `${table}_${columns.join('_')}_idx`, columns, unique: false };
  });
  return [...unique, ...plain];
}

/** The primary key's columns: the `id` field, or the composite `primaryKey` (Prisma `@@id`). */
export function primaryKeyColumns(model: ModelDef): string[] {
  const idFields = model.fields.filter((field) => field.id).map((field) => field.name);
  const key = model.primaryKey ?? idFields;
  if (key.length === 0) throw new Error(`${model.name} has no @id field or @@id`);
  if (model.primaryKey && idFields.length > 0) throw new Error(`${model.name} has both @id and @@id`);
  return key.map((name) => columnName(fieldByName(model, name).name));
}

// ---------- schema.prisma ----------

function nativeType(field: FieldDef, provider: ProviderName): string {
  if (field.type !== 'String' || provider === 'sqlite') return '';
  const length = stringLength(field.size);
  if (provider === 'postgresql') return length === 'max' ? '' : ` @db.VarChar(${length})`;
  return length === 'max' ? ' @db.NVarChar(Max)' : ` @db.NVarChar(${length})`;
}

function prismaDefault(field: FieldDef): string {
  if (field.default === undefined) return '';
  if (field.default === 'autoincrement') return ' @default(autoincrement())';
  if (field.default === 'now') return ' @default(now())';
  return ` @default(${String(field.default)})`;
}

function renderModel(model: ModelDef, database: DatabaseDef, provider: ProviderName): string {
  const lines: string[] = [];
  const width = Math.max(...model.fields.map((field) => field.name.length), 1);
  for (const field of model.fields) {
    const type = `${field.type}${field.optional ? '?' : ''}`;
    const attributes = [
      field.id ? ' @id' : '',
      prismaDefault(field),
      field.unique ? ' @unique' : '',
      field.updatedAt ? ' @updatedAt' : '',
      nativeType(field, provider),
      columnName(field.name) === field.name ? '' : ` @map("${columnName(field.name)}")`,
    ].join('');
    lines.push(`  ${field.name.padEnd(width)} ${type.padEnd(9)}${attributes}`);
  }
  for (const relation of model.relations ?? []) {
    lines.push(
      `  ${relation.name.padEnd(width)} ${relation.model.padEnd(9)} @relation(fields: [${relation.fields.join(', ')}], references: [${relation.references.join(', ')}], onDelete: NoAction, onUpdate: NoAction)`,
    );
  }
  for (const other of database.models) {
    for (const relation of other.relations ?? []) {
      if (relation.model === model.name) lines.push(`  ${relation.backName.padEnd(width)} ${other.name}[]`);
    }
  }
  lines.push('');
  if (model.primaryKey) lines.push(`  @@id([${model.primaryKey.join(', ')}])`);
  for (const fields of model.indexes ?? []) lines.push(`  @@index([${fields.join(', ')}])`);
  lines.push(`  @@map("${tableName(model)}")`);
  return `model ${model.name} {\n${lines.join('\n')}\n}\n`;
}

export function schemaPath(database: DatabaseDef['name'], provider: ProviderName): string {
  return `prisma/${database}/${provider}/schema.prisma`;
}

/** The generated client's folder (git-ignored), relative to the repository root. */
export function clientDir(database: DatabaseDef['name'], provider: ProviderName): string {
  return `src/generated/${database}-${provider}`;
}

export function renderSchema(database: DatabaseDef, provider: ProviderName): string {
  const output = `../../../${clientDir(database.name, provider)}`;
  const header = [
    `// DERIVED from prisma/models.ts by \`npm run db:derive\`: do not edit.`,
    `// ${database.name} database, ${provider} provider. Clients: \`npm run prisma:generate\`.`,
    '',
    'generator client {',
    '  provider            = "prisma-client"',
    `  output              = "${output}"`,
    '  moduleFormat        = "esm"',
    '  runtime             = "nodejs"',
    '  importFileExtension = "js"',
    '}',
    '',
    "// Writes the DMMF (Prisma's parsed view of these models) beside the client: the",
    '// schema-comparison tests check migrated databases against it. Run from the repository root.',
    'generator dmmf {',
    '  provider = "node scripts/prisma-dmmf-generator.mjs"',
    `  output   = "${output}"`,
    '}',
    '',
    'datasource db {',
    `  provider = "${provider}"`,
    '}',
    '',
  ].join('\n');
  return `${header}\n${database.models.map((model) => renderModel(model, database, provider)).join('\n')}`;
}

// ---------- migration SQL ----------

interface Dialect {
  quote(name: string): string;
  table(name: string): string;
  columnType(field: FieldDef): string;
  booleanLiteral(value: boolean): string;
}

const dialects: Record<ProviderName, Dialect> = {
  postgresql: {
    quote: (name) => `"${name}"`,
    table: (name) => `"${name}"`,
    columnType(field) {
      if (field.default === 'autoincrement') return 'SERIAL';
      if (field.type === 'Int') return 'INTEGER';
      if (field.type === 'Boolean') return 'BOOLEAN';
      if (field.type === 'DateTime') return 'TIMESTAMP(3)';
      const length = stringLength(field.size);
      return length === 'max' ? 'TEXT' : `VARCHAR(${length})`;
    },
    booleanLiteral: (value) => String(value),
  },
  sqlite: {
    quote: (name) => `"${name}"`,
    table: (name) => `"${name}"`,
    columnType(field) {
      if (field.type === 'Int') return 'INTEGER';
      if (field.type === 'Boolean') return 'BOOLEAN';
      if (field.type === 'DateTime') return 'DATETIME';
      return 'TEXT';
    },
    booleanLiteral: (value) => String(value),
  },
  sqlserver: {
    quote: (name) => `[${name}]`,
    table: (name) => `[dbo].[${name}]`,
    columnType(field) {
      if (field.type === 'Int') return 'INT';
      if (field.type === 'Boolean') return 'BIT';
      if (field.type === 'DateTime') return 'DATETIME2';
      const length = stringLength(field.size);
      return `NVARCHAR(${length === 'max' ? 'max' : length})`;
    },
    booleanLiteral: (value) => (value ? '1' : '0'),
  },
};

function defaultClause(field: FieldDef, provider: ProviderName, table: string): string {
  const value = field.default;
  if (value === undefined || value === 'autoincrement') return '';
  const dialect = dialects[provider];
  const literal =
    value === 'now'
      ? 'CURRENT_TIMESTAMP'
      : typeof value === 'boolean'
        ? dialect.booleanLiteral(value)
        : String(value);
  if (provider === 'sqlserver')
    return ` CONSTRAINT [${table}_${columnName(field.name)}_df] DEFAULT ${literal}`;
  return ` DEFAULT ${literal}`;
}

function columnLine(field: FieldDef, provider: ProviderName, table: string): string {
  const dialect = dialects[provider];
  const nullability = field.optional ? '' : ' NOT NULL';
  let extra = '';
  if (provider === 'sqlite' && field.id)
    extra = field.default === 'autoincrement' ? ' PRIMARY KEY AUTOINCREMENT' : ' PRIMARY KEY';
  if (provider === 'sqlserver' && field.default === 'autoincrement') extra = ' IDENTITY(1,1)';
  return `    ${dialect.quote(columnName(field.name))} ${dialect.columnType(field)}${nullability}${extra}${defaultClause(field, provider, table)}`;
}

function foreignKeys(
  model: ModelDef,
): { name: string; columns: string[]; table: string; references: string[] }[] {
  const table = tableName(model);
  return (model.relations ?? []).map((relation) => {
    const columns = relation.fields.map(columnName);
    return {
      name: `${table}_${columns.join('_')}_fkey`,
      columns,
      table: relation.model,
      references: relation.references.map(columnName),
    };
  });
}

function createTable(model: ModelDef, database: DatabaseDef, provider: ProviderName): string[] {
  const dialect = dialects[provider];
  const table = tableName(model);
  const lines = model.fields.map((field) => columnLine(field, provider, table));
  const key = primaryKeyColumns(model);
  if (key.length > 1 && provider === 'sqlite') {
    // Prisma's layout: SQLite keeps no name for a table-level primary key.
    lines.push(`    PRIMARY KEY (${key.map(dialect.quote).join(', ')})`);
  } else if (provider !== 'sqlite') {
    const clustered = provider === 'sqlserver' ? ' CLUSTERED' : '';
    lines.push(
      `    CONSTRAINT ${dialect.quote(`${table}_pkey`)} PRIMARY KEY${clustered} (${key.map(dialect.quote).join(',')})`,
    );
  }
  const indexes = modelIndexes(model);
  if (provider === 'sqlserver') {
    for (const index of indexes.filter((candidate) => candidate.unique)) {
      lines.push(
        `    CONSTRAINT [${index.name}] UNIQUE NONCLUSTERED (${index.columns.map(dialect.quote).join(', ')})`,
      );
    }
  }
  if (provider === 'sqlite') {
    for (const fk of foreignKeys(model)) {
      const target = referencedTable(database, fk.table);
      lines.push(
        `    CONSTRAINT "${fk.name}" FOREIGN KEY (${fk.columns.map(dialect.quote).join(', ')}) REFERENCES "${target}" (${fk.references.map(dialect.quote).join(', ')}) ON DELETE NO ACTION ON UPDATE NO ACTION`,
      );
    }
  }
  return ['-- CreateTable', `CREATE TABLE ${dialect.table(table)} (\n${lines.join(',\n')}\n);`, ''];
}

function referencedTable(database: DatabaseDef, modelName: string): string {
  const model = database.models.find((candidate) => candidate.name === modelName);
  if (!model) throw new Error(`Unknown model ${modelName}`);
  return tableName(model);
}

function createIndexes(model: ModelDef, provider: ProviderName): string[] {
  const dialect = dialects[provider];
  const table = tableName(model);
  const statements: string[] = [];
  for (const index of modelIndexes(model)) {
    if (provider === 'sqlserver' && index.unique) continue; // declared as table constraints
    const kind = index.unique ? 'UNIQUE ' : provider === 'sqlserver' ? 'NONCLUSTERED ' : '';
    const columns = index.columns.map(dialect.quote).join(', ');
    statements.push(
      '-- CreateIndex',
      `CREATE ${kind}INDEX ${dialect.quote(index.name)} ON ${dialect.table(table)}(${columns});`,
      '',
    );
  }
  return statements;
}

function addForeignKeys(model: ModelDef, database: DatabaseDef, provider: ProviderName): string[] {
  if (provider === 'sqlite') return []; // inline in CREATE TABLE (SQLite cannot ALTER ... ADD CONSTRAINT)
  const dialect = dialects[provider];
  return foreignKeys(model).flatMap((fk) => [
    '-- AddForeignKey',
    `ALTER TABLE ${dialect.table(tableName(model))} ADD CONSTRAINT ${dialect.quote(fk.name)} FOREIGN KEY (${fk.columns.map(dialect.quote).join(', ')}) REFERENCES ${dialect.table(referencedTable(database, fk.table))}(${fk.references.map(dialect.quote).join(', ')}) ON DELETE NO ACTION ON UPDATE NO ACTION;`,
    '',
  ]);
}

/** The whole schema as one migration, in `prisma migrate diff --from-empty` layout. */
export function renderInitMigration(database: DatabaseDef, provider: ProviderName): string {
  return renderModelsMigration(database, provider, database.models);
}

/**
 * The tables of `models` (new ones added to an existing database), created in the same layout,
 * after `comment` lines: the starting text of a later migration that only adds tables.
 */
export function renderModelsMigration(
  database: DatabaseDef,
  provider: ProviderName,
  models: ModelDef[],
  comment: string[] = [],
): string {
  const body = [
    ...(comment.length > 0 ? [...comment.map((line) => `-- ${line}`.trimEnd()), ''] : []),
    ...models.flatMap((model) => createTable(model, database, provider)),
    ...models.flatMap((model) => createIndexes(model, provider)),
    ...models.flatMap((model) => addForeignKeys(model, database, provider)),
  ];
  if (provider !== 'sqlserver') return `${body.join('\n').trimEnd()}\n`;
  // Prisma wraps SQL Server migrations in one transaction that re-throws on error.
  return [
    'BEGIN TRY',
    '',
    'BEGIN TRAN;',
    '',
    ...body,
    'COMMIT TRAN;',
    '',
    'END TRY',
    'BEGIN CATCH',
    '',
    'IF @@TRANCOUNT > 0',
    'BEGIN',
    '    ROLLBACK TRAN;',
    'END;',
    'THROW',
    '',
    'END CATCH',
    '',
  ].join('\n');
}

export function migrationLockToml(provider: ProviderName): string {
  return [
    '# Please do not edit this file manually',
    '# It should be added in your version-control system (e.g., Git)',
    `provider = "${provider}"`,
    '',
  ].join('\n');
}
