import { type Bind, onConflictRosterSql } from '../base/on-conflict-sql.js';
import type { RosterSql } from '../base/roster-sql.js';

/** Timestamps as UTC text in the form the better-sqlite3 adapter writes, so Prisma Client reads them back. */
const sqliteTimestamp = (date: Date) => date.toISOString().replace('Z', '+00:00');
const timestamp = (bind: Bind, date: Date) => bind(sqliteTimestamp(date));

/**
 * SQLite's roster SQL: `?` placeholders bound by position, 1/0 for booleans, id lists and row
 * sets (and link pairs) as one JSON text parameter read with json_each.
 */
export const sqliteRosterSql: RosterSql = onConflictRosterSql({
  true: '1',
  false: '0',
  placeholder: () => '?',
  inIds: (bind, ids) => `IN (SELECT value FROM json_each(${bind(JSON.stringify(ids))}))`,
  timestamp,
  pairRows: (bind, pairs) =>
    `SELECT value ->> 0 AS section_id, value ->> 1 AS member_id FROM json_each(${bind(
      JSON.stringify(pairs.map((pair) => [pair.sectionId, pair.memberId])),
    )})`,
  incomingRows(bind, columns, rows, runId, now) {
    // `?` binds by position: parameters are added in the order they appear.
    const extracts = [...columns, null].map((_, index) => `value ->> ${index}`);
    const bookkeeping = ['1', 'NULL', bind(runId), bind(runId), timestamp(bind, now), timestamp(bind, now)];
    const json = JSON.stringify(
      rows.map((row) => [
        ...row.values.map((value) => (value instanceof Date ? sqliteTimestamp(value) : value)),
        row.contentHash,
      ]),
    );
    // `WHERE true` resolves SQLite's parsing ambiguity between a join's ON and ON CONFLICT.
    return `SELECT ${[...extracts, ...bookkeeping].join(', ')} FROM json_each(${bind(json)}) WHERE true`;
  },
});
