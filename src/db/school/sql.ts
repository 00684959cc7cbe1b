import type { DatabaseProvider } from '../url.js';
import type { RosterColumn } from './columns.js';

/** One statement and its positional parameters, in the placeholder style of its provider. */
export interface SqlStatement {
  sql: string;
  params: unknown[];
  /**
   * SQL Server: the declared type of each parameter, in order (src/db/sqlserver/sql.ts). A JSON
   * document is declared NVARCHAR(MAX) whatever its length, so SQL Server keeps one plan per
   * statement instead of one per parameter length.
   */
  types?: SqlParameterType[];
}

/**
 * `json` and `text`: NVARCHAR(MAX); `key`: NVARCHAR(64) (Clever ids, run ids, compared with
 * NVARCHAR(64) columns); `timestamp`: DATETIME2(3); `int`: INT.
 */
export type SqlParameterType = 'json' | 'text' | 'key' | 'timestamp' | 'int';

/** A row to insert or update: data values in column order, then its content hash. */
export interface RosterWrite {
  values: unknown[];
  contentHash: string;
}

/**
 * The set-based SQL of the roster repository, one implementation per dialect: PostgreSQL and
 * SQLite here (INSERT .. ON CONFLICT), SQL Server in ../sqlserver/sql.ts (MERGE from OPENJSON).
 * Row sets and id lists travel as a few parameters whatever their size (column arrays with
 * unnest, JSON text with json_each / OPENJSON): statements stay far from parameter limits, and
 * Prisma's per-parameter work stays small (multi-row VALUES, ~30 parameters per row, measured
 * about half as fast through the adapter as on the raw driver).
 */
export interface RosterSql {
  /** Most rows one upsert statement may carry (parameter limits). */
  maxRowsPerUpsert(columns: RosterColumn[]): number;
  selectExisting(table: string, cleverIds: string[]): SqlStatement;
  upsert(table: string, columns: RosterColumn[], rows: RosterWrite[], runId: string, now: Date): SqlStatement;
  /** Marks unchanged rows as seen by the run (no data change, no updated_at change). */
  touch(table: string, cleverIds: string[], runId: string): SqlStatement;
  countActive(table: string): SqlStatement;
  countUnseenActive(table: string, runId: string): SqlStatement;
  archiveUnseen(table: string, runId: string, at: Date): SqlStatement;
  archiveByCleverIds(table: string, cleverIds: string[], at: Date): SqlStatement;
  activeIdsPage(table: string, after: string | null, limit: number): SqlStatement;
  deleteInactive(table: string, inactiveSince: Date): SqlStatement;
}

const BOOKKEEPING_COLUMNS = [
  'content_hash',
  'is_active',
  'deactivated_at',
  'first_seen_run_id',
  'last_seen_run_id',
  'created_at',
  'updated_at',
];

/** Timestamps as UTC text in the form each adapter itself writes, so Prisma Client reads them back. */
const postgresTimestamp = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');
const sqliteTimestamp = (date: Date) => date.toISOString().replace('Z', '+00:00');

function postgresArrayType(column: RosterColumn): string {
  if (column.type === 'DateTime') return 'timestamp(3)[]';
  if (column.type === 'Int') return 'integer[]';
  if (column.type === 'Boolean') return 'boolean[]';
  if (column.size === 'key') return 'varchar(64)[]';
  if (column.size === 'short') return 'varchar(40)[]';
  if (typeof column.size === 'number') return `varchar(${column.size})[]`;
  return 'text[]';
}

/** INSERT .. ON CONFLICT (clever_id) DO UPDATE, for PostgreSQL and SQLite. */
export function standardRosterSql(provider: 'postgresql' | 'sqlite'): RosterSql {
  const pg = provider === 'postgresql';
  const TRUE = pg ? 'true' : '1';
  const FALSE = pg ? 'false' : '0';
  const q = (name: string) => `"${name}"`;

  /** Placeholder factory: `$1, $2, ..` for PostgreSQL, `?` for SQLite. */
  const placeholders = () => {
    const params: unknown[] = [];
    return {
      params,
      add(value: unknown): string {
        params.push(value);
        return pg ? `$${params.length}` : '?';
      },
    };
  };

  /** An id list as one parameter: a text[] for PostgreSQL, JSON text for SQLite's json_each. */
  const idList = (p: ReturnType<typeof placeholders>, ids: string[]) =>
    pg ? `ANY(${p.add(ids)})` : `IN (SELECT value FROM json_each(${p.add(JSON.stringify(ids))}))`;
  const inIds = (p: ReturnType<typeof placeholders>, ids: string[]) =>
    pg ? `= ${idList(p, ids)}` : idList(p, ids);
  /** A timestamp parameter as UTC text (no Date reaches the driver: pg would send local time). */
  const timestamp = (p: ReturnType<typeof placeholders>, date: Date) =>
    pg ? `${p.add(postgresTimestamp(date))}::timestamp(3)` : p.add(sqliteTimestamp(date));
  const unseen = (p: ReturnType<typeof placeholders>, runId: string) =>
    `is_active = ${TRUE} AND (last_seen_run_id IS NULL OR last_seen_run_id <> ${p.add(runId)})`;

  /**
   * `SELECT <data columns>, <content hash>, <bookkeeping>` over the incoming rows: unnest of one
   * array per column (PostgreSQL) or json_each over one JSON array of row arrays (SQLite).
   */
  function incomingRows(
    columns: RosterColumn[],
    rows: RosterWrite[],
    runId: string,
    now: Date,
  ): SqlStatement {
    const p = placeholders();
    if (pg) {
      const arrays = [
        ...columns.map((_, index) =>
          rows.map((row) => {
            const value = row.values[index];
            return value instanceof Date ? postgresTimestamp(value) : (value ?? null);
          }),
        ),
        rows.map((row) => row.contentHash),
      ];
      const types = [...columns.map(postgresArrayType), 'varchar(64)[]'];
      const unnest = arrays.map((array, index) => `${p.add(array)}::${types[index]}`).join(', ');
      const run = `${p.add(runId)}::varchar(64)`;
      const at = timestamp(p, now);
      return {
        sql: `SELECT incoming.*, true, NULL::timestamp(3), ${run}, ${run}, ${at}, ${at} FROM unnest(${unnest}) AS incoming`,
        params: p.params,
      };
    }
    // SQLite's `?` bind by position: parameters are added in the order they appear.
    const extracts = [...columns, null].map((_, index) => `value ->> ${index}`);
    const bookkeeping = ['1', 'NULL', p.add(runId), p.add(runId), timestamp(p, now), timestamp(p, now)];
    const json = JSON.stringify(
      rows.map((row) => [
        ...row.values.map((value) => (value instanceof Date ? sqliteTimestamp(value) : value)),
        row.contentHash,
      ]),
    );
    // `WHERE true` resolves SQLite's parsing ambiguity between a join's ON and ON CONFLICT.
    return {
      sql: `SELECT ${[...extracts, ...bookkeeping].join(', ')} FROM json_each(${p.add(json)}) WHERE true`,
      params: p.params,
    };
  }

  return {
    // Parameters no longer grow with rows; this bounds one statement's (and transaction's) size.
    maxRowsPerUpsert: () => 5_000,
    selectExisting(table, cleverIds) {
      const p = placeholders();
      return {
        sql: `SELECT clever_id, content_hash, is_active FROM ${q(table)} WHERE clever_id ${inIds(p, cleverIds)}`,
        params: p.params,
      };
    },
    upsert(table, columns, rows, runId, now) {
      const incoming = incomingRows(columns, rows, runId, now);
      const names = [...columns.map((column) => column.column), ...BOOKKEEPING_COLUMNS];
      const updates = [
        ...columns.filter((column) => column.column !== 'clever_id').map((column) => column.column),
        'content_hash',
        'last_seen_run_id',
        'updated_at',
      ].map((name) => `${q(name)} = excluded.${q(name)}`);
      updates.push(`"is_active" = ${TRUE}`, '"deactivated_at" = NULL');
      return {
        sql:
          `INSERT INTO ${q(table)} (${names.map(q).join(', ')}) ${incoming.sql} ` +
          `ON CONFLICT ("clever_id") DO UPDATE SET ${updates.join(', ')}`,
        params: incoming.params,
      };
    },
    touch(table, cleverIds, runId) {
      const p = placeholders();
      const run = p.add(runId);
      return {
        sql: `UPDATE ${q(table)} SET last_seen_run_id = ${run} WHERE clever_id ${inIds(p, cleverIds)}`,
        params: p.params,
      };
    },
    countActive(table) {
      return { sql: `SELECT COUNT(*) AS n FROM ${q(table)} WHERE is_active = ${TRUE}`, params: [] };
    },
    countUnseenActive(table, runId) {
      const p = placeholders();
      return { sql: `SELECT COUNT(*) AS n FROM ${q(table)} WHERE ${unseen(p, runId)}`, params: p.params };
    },
    archiveUnseen(table, runId, at) {
      const p = placeholders();
      const set = `is_active = ${FALSE}, deactivated_at = ${timestamp(p, at)}, updated_at = ${timestamp(p, at)}`;
      return { sql: `UPDATE ${q(table)} SET ${set} WHERE ${unseen(p, runId)}`, params: p.params };
    },
    archiveByCleverIds(table, cleverIds, at) {
      const p = placeholders();
      const set = `is_active = ${FALSE}, deactivated_at = ${timestamp(p, at)}, updated_at = ${timestamp(p, at)}`;
      return {
        sql: `UPDATE ${q(table)} SET ${set} WHERE is_active = ${TRUE} AND clever_id ${inIds(p, cleverIds)}`,
        params: p.params,
      };
    },
    activeIdsPage(table, after, limit) {
      const p = placeholders();
      const from = after === null ? '' : ` AND clever_id > ${p.add(after)}`;
      return {
        sql: `SELECT clever_id FROM ${q(table)} WHERE is_active = ${TRUE}${from} ORDER BY clever_id LIMIT ${p.add(limit)}`,
        params: p.params,
      };
    },
    deleteInactive(table, inactiveSince) {
      const p = placeholders();
      return {
        sql: `DELETE FROM ${q(table)} WHERE is_active = ${FALSE} AND deactivated_at < ${timestamp(p, inactiveSince)}`,
        params: p.params,
      };
    },
  };
}

export type RosterSqlFactory = (provider: DatabaseProvider) => RosterSql;
