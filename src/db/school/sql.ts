import type { DatabaseProvider } from '../url.js';
import type { RosterColumn } from './columns.js';

/** One statement and its positional parameters, in the placeholder style of its provider. */
export interface SqlStatement {
  sql: string;
  params: unknown[];
}

/** A row to insert or update: data values in column order, then its content hash. */
export interface RosterWrite {
  values: unknown[];
  contentHash: string;
}

/**
 * The set-based SQL of the roster repository, one implementation per dialect:
 * PostgreSQL and SQLite here (INSERT .. ON CONFLICT), SQL Server in ../sqlserver/sql.ts (MERGE
 * from OPENJSON). Every id list travels as one parameter (an array or JSON text) so statement
 * size does not depend on the parameter limit.
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

// PostgreSQL's protocol limit is 65,535 parameters per statement; SQLite's is 32,766.
const PARAMETER_LIMIT: Record<'postgresql' | 'sqlite', number> = { postgresql: 65_535, sqlite: 32_766 };

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
  const unseen = (p: ReturnType<typeof placeholders>, runId: string) =>
    `is_active = ${TRUE} AND (last_seen_run_id IS NULL OR last_seen_run_id <> ${p.add(runId)})`;

  return {
    maxRowsPerUpsert(columns) {
      // SQLite binds run id and timestamps once per row (4 more); PostgreSQL reuses $1/$2.
      const perRow = columns.length + 1 + (pg ? 0 : 4);
      return Math.floor((PARAMETER_LIMIT[provider] - 2) / perRow);
    },
    selectExisting(table, cleverIds) {
      const p = placeholders();
      return {
        sql: `SELECT clever_id, content_hash, is_active FROM ${q(table)} WHERE clever_id ${inIds(p, cleverIds)}`,
        params: p.params,
      };
    },
    upsert(table, columns, rows, runId, now) {
      const p = placeholders();
      const shared = pg ? { run: p.add(runId), now: p.add(now) } : undefined;
      const tuples = rows.map((row) => {
        // SQLite's `?` bind by position: add parameters in the order they appear in the text.
        const values = row.values.map((value) => p.add(value));
        values.push(p.add(row.contentHash), TRUE, 'NULL');
        values.push(shared?.run ?? p.add(runId), shared?.run ?? p.add(runId));
        values.push(shared?.now ?? p.add(now), shared?.now ?? p.add(now));
        return `(${values.join(', ')})`;
      });
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
          `INSERT INTO ${q(table)} (${names.map(q).join(', ')}) VALUES ${tuples.join(', ')} ` +
          `ON CONFLICT ("clever_id") DO UPDATE SET ${updates.join(', ')}`,
        params: p.params,
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
      const set = `is_active = ${FALSE}, deactivated_at = ${p.add(at)}, updated_at = ${p.add(at)}`;
      return { sql: `UPDATE ${q(table)} SET ${set} WHERE ${unseen(p, runId)}`, params: p.params };
    },
    archiveByCleverIds(table, cleverIds, at) {
      const p = placeholders();
      const set = `is_active = ${FALSE}, deactivated_at = ${p.add(at)}, updated_at = ${p.add(at)}`;
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
        sql: `DELETE FROM ${q(table)} WHERE is_active = ${FALSE} AND deactivated_at < ${p.add(inactiveSince)}`,
        params: p.params,
      };
    },
  };
}

export type RosterSqlFactory = (provider: DatabaseProvider) => RosterSql;
