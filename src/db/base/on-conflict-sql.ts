import {
  type Bind,
  type LinkFlavour,
  onConflictLinkSql,
  statementParameters,
} from './on-conflict-link-sql.js';
import type { RosterColumn } from './roster-columns.js';
import type { RosterSql, RosterWrite } from './roster-sql.js';

export type { Bind };

/**
 * What differs between the providers whose roster SQL is INSERT .. ON CONFLICT (SQLite,
 * PostgreSQL): placeholders, boolean literals, how an id list, a timestamp, the incoming row
 * set and link pairs travel as parameters. The statements themselves are written once, below
 * and in ./on-conflict-link-sql.ts.
 */
export interface OnConflictFlavour extends LinkFlavour {
  /**
   * How the incoming rows of an upsert travel (one of the two): `incomingRows` is
   * `SELECT <data columns>, <content hash>, <bookkeeping columns>` over the incoming rows, the
   * bookkeeping being is_active, deactivated_at, first/last_seen_run_id, created/updated_at.
   */
  incomingRows?(bind: Bind, columns: RosterColumn[], rows: RosterWrite[], runId: string, now: Date): string;
  /**
   * Or one row's parameters: the upsert is a one-row statement run for every row (a `batch`), for
   * drivers whose prepared statements cost less per row than building and parsing a row set
   * (better-sqlite3: no round trip, no JSON). In order: the data values, the content hash, the
   * run id twice (first and last seen), the timestamp twice (created and updated).
   */
  batchRow?(row: RosterWrite, runId: string, now: Date): unknown[];
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

const q = (name: string) => `"${name}"`;

/** INSERT .. ON CONFLICT (clever_id) DO UPDATE and the other roster statements, in a flavour. */
export function onConflictRosterSql(flavour: OnConflictFlavour): RosterSql {
  const { true: TRUE, false: FALSE } = flavour;

  const parameters = () => statementParameters(flavour);
  const unseen = (bind: Bind, runId: string) =>
    `is_active = ${TRUE} AND (last_seen_run_id IS NULL OR last_seen_run_id <> ${bind(runId)})`;
  const archiveSet = (bind: Bind, at: Date) =>
    `is_active = ${FALSE}, deactivated_at = ${flavour.timestamp(bind, at)}, updated_at = ${flavour.timestamp(bind, at)}`;

  return {
    ...onConflictLinkSql(flavour),
    // Parameters no longer grow with rows; this bounds one statement's (and transaction's) size.
    maxRowsPerUpsert: () => 5_000,
    selectExisting(table, cleverIds) {
      const { params, bind } = parameters();
      return {
        sql: `SELECT clever_id, content_hash, is_active FROM ${q(table)} WHERE clever_id ${flavour.inIds(bind, cleverIds)}`,
        params,
      };
    },
    upsert(table, columns, rows, runId, now) {
      const { params, bind } = parameters();
      const { batchRow, incomingRows } = flavour;
      let position = 0;
      const next = () => flavour.placeholder(++position);
      let incoming: string;
      if (batchRow) {
        incoming = `VALUES (${[...columns, null].map(next).join(', ')}, ${TRUE}, NULL, ${next()}, ${next()}, ${next()}, ${next()})`;
      } else if (incomingRows) incoming = incomingRows(bind, columns, rows, runId, now);
      else throw new Error('an ON CONFLICT flavour needs incomingRows or batchRow');
      const names = [...columns.map((column) => column.column), ...BOOKKEEPING_COLUMNS];
      const updates = [
        ...columns.filter((column) => column.column !== 'clever_id').map((column) => column.column),
        'content_hash',
        'last_seen_run_id',
        'updated_at',
      ].map((name) => `${q(name)} = excluded.${q(name)}`);
      updates.push(`"is_active" = ${TRUE}`, '"deactivated_at" = NULL');
      const sql =
        `INSERT INTO ${q(table)} (${names.map(q).join(', ')}) ${incoming} ` +
        `ON CONFLICT ("clever_id") DO UPDATE SET ${updates.join(', ')}`;
      if (batchRow) return { sql, params: [], batch: rows.map((row) => batchRow(row, runId, now)) };
      return { sql, params };
    },
    touch(table, cleverIds, runId) {
      const { params, bind } = parameters();
      const run = bind(runId);
      return {
        sql: `UPDATE ${q(table)} SET last_seen_run_id = ${run} WHERE clever_id ${flavour.inIds(bind, cleverIds)}`,
        params,
      };
    },
    countActive(table) {
      return { sql: `SELECT COUNT(*) AS n FROM ${q(table)} WHERE is_active = ${TRUE}`, params: [] };
    },
    hasRows(table) {
      return { sql: `SELECT EXISTS (SELECT 1 FROM ${q(table)}) AS n`, params: [] };
    },
    countUnseenActive(table, runId) {
      const { params, bind } = parameters();
      return { sql: `SELECT COUNT(*) AS n FROM ${q(table)} WHERE ${unseen(bind, runId)}`, params };
    },
    archiveUnseen(table, runId, at) {
      const { params, bind } = parameters();
      const set = archiveSet(bind, at);
      return { sql: `UPDATE ${q(table)} SET ${set} WHERE ${unseen(bind, runId)}`, params };
    },
    archiveByCleverIds(table, cleverIds, at) {
      const { params, bind } = parameters();
      const set = archiveSet(bind, at);
      return {
        sql: `UPDATE ${q(table)} SET ${set} WHERE is_active = ${TRUE} AND clever_id ${flavour.inIds(bind, cleverIds)}`,
        params,
      };
    },
    activeIdsPage(table, after, limit) {
      const { params, bind } = parameters();
      const from = after === null ? '' : ` AND clever_id > ${bind(after)}`;
      return {
        sql: `SELECT clever_id FROM ${q(table)} WHERE is_active = ${TRUE}${from} ORDER BY clever_id LIMIT ${bind(limit)}`,
        params,
      };
    },
    activeAmong(table, cleverIds) {
      const { params, bind } = parameters();
      return {
        sql: `SELECT clever_id FROM ${q(table)} WHERE is_active = ${TRUE} AND clever_id ${flavour.inIds(bind, cleverIds)}`,
        params,
      };
    },
    unreferenced(table, sectionsTable, sectionColumn) {
      return {
        sql:
          `SELECT r.clever_id FROM ${q(table)} r WHERE r.is_active = ${TRUE} AND NOT EXISTS ` +
          `(SELECT 1 FROM ${q(sectionsTable)} s WHERE s.is_active = ${TRUE} AND s.${q(sectionColumn)} = r.clever_id) ` +
          'ORDER BY r.clever_id',
        params: [],
      };
    },
    deleteInactive(table, inactiveSince) {
      const { params, bind } = parameters();
      return {
        sql: `DELETE FROM ${q(table)} WHERE is_active = ${FALSE} AND deactivated_at < ${flavour.timestamp(bind, inactiveSince)}`,
        params,
      };
    },
  };
}
