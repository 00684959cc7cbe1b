import type { LinkTable, RosterColumn } from './roster-columns.js';

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
  /**
   * Run `sql` once per parameter list instead of once with `params`: one prepared statement over
   * many rows, in the caller's transaction. Only executors that prepare statements themselves
   * produce and run these (SQLite's raw driver, ../sqlite/roster-database.ts).
   */
  batch?: unknown[][];
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
 * The set-based SQL of the roster repository, one implementation per dialect: SQLite and
 * PostgreSQL build theirs on ./on-conflict-sql.ts (INSERT .. ON CONFLICT), SQL Server in
 * ../sqlserver/sql.ts (MERGE from OPENJSON).
 * Row sets and id lists travel as a few parameters whatever their size (column arrays with
 * unnest, JSON text with json_each / OPENJSON): statements stay far from parameter limits, and
 * Prisma's per-parameter work stays small (multi-row VALUES, ~30 parameters per row, measured
 * about half as fast through the adapter as on the raw driver).
 */
export interface RosterSql extends LinkSql {
  /** Most rows one upsert statement may carry (parameter limits). */
  maxRowsPerUpsert(columns: RosterColumn[]): number;
  selectExisting(table: string, cleverIds: string[]): SqlStatement;
  upsert(table: string, columns: RosterColumn[], rows: RosterWrite[], runId: string, now: Date): SqlStatement;
  /** Marks unchanged rows as seen by the run (no data change, no updated_at change). */
  touch(table: string, cleverIds: string[], runId: string): SqlStatement;
  countActive(table: string): SqlStatement;
  /** `n` is 1 when the table holds any row (active or archived), else 0: a cheap EXISTS. */
  hasRows(table: string): SqlStatement;
  countUnseenActive(table: string, runId: string): SqlStatement;
  archiveUnseen(table: string, runId: string, at: Date): SqlStatement;
  archiveByCleverIds(table: string, cleverIds: string[], at: Date): SqlStatement;
  activeIdsPage(table: string, after: string | null, limit: number): SqlStatement;
  deleteInactive(table: string, inactiveSince: Date): SqlStatement;
  /** `clever_id` of the active rows among `cleverIds`. */
  activeAmong(table: string, cleverIds: string[]): SqlStatement;
  /**
   * `clever_id` of the active rows of `table` (courses or terms) that no active section names in
   * `sectionColumn` (clever_course_id or clever_term_id).
   */
  unreferenced(table: string, sectionsTable: string, sectionColumn: string): SqlStatement;
}

/** One row of a section link table. */
export interface LinkPair {
  sectionId: string;
  memberId: string;
}

/**
 * The section link tables' statements (section_teachers, section_students). Pairs travel as
 * one or two parameters whatever their number, like roster rows. Rows read come back as
 * `section_id`, `member_id`.
 */
export interface LinkSql {
  /** Every link of these sections. */
  selectLinks(link: LinkTable, sectionIds: string[]): SqlStatement;
  /** Inserts pairs (an existing pair is left as it is: its created_at stays). */
  insertLinks(link: LinkTable, pairs: LinkPair[], now: Date): SqlStatement;
  deleteLinks(link: LinkTable, pairs: LinkPair[]): SqlStatement;
  /**
   * Deletes links whose section row or member row exists and is inactive. A section or member
   * this database has no row for keeps its links (no foreign keys: multi-school users).
   */
  pruneLinks(link: LinkTable): SqlStatement;
  countLinks(link: LinkTable): SqlStatement;
  /** Links after `after` in (section, member) order, at most `limit`. */
  linksPage(link: LinkTable, after: LinkPair | null, limit: number): SqlStatement;
}

/** Runs roster statements: on a pool, or inside one transaction. */
export interface RosterExecutor {
  query(statement: SqlStatement): Promise<Record<string, unknown>[]>;
  execute(statement: SqlStatement): Promise<number>;
}

/** A school database as the roster repository sees it: statements, and transactions of them. */
export interface RosterDatabase extends RosterExecutor {
  transaction<T>(work: (tx: RosterExecutor) => Promise<T>): Promise<T>;
}

/** Lends a database for one unit of work, so the provider knows which clients are in use. */
export type RosterDatabaseSource = <T>(work: (database: RosterDatabase) => Promise<T>) => Promise<T>;
