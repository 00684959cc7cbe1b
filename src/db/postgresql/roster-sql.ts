import { type Bind, onConflictRosterSql } from '../base/on-conflict-sql.js';
import type { RosterColumn } from '../base/roster-columns.js';
import type { RosterSql } from '../base/roster-sql.js';

/** Timestamps as UTC text in the form the pg adapter writes (pg would send a Date as local time). */
const postgresTimestamp = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');
const timestamp = (bind: Bind, date: Date) => `${bind(postgresTimestamp(date))}::timestamp(3)`;

function postgresArrayType(column: RosterColumn): string {
  if (column.type === 'DateTime') return 'timestamp(3)[]';
  if (column.type === 'Int') return 'integer[]';
  if (column.type === 'Boolean') return 'boolean[]';
  if (column.size === 'key') return 'varchar(64)[]';
  if (column.size === 'short') return 'varchar(40)[]';
  if (typeof column.size === 'number') return `varchar(${column.size})[]`;
  return 'text[]';
}

/**
 * PostgreSQL's roster SQL: `$n` placeholders, id lists as one text[] parameter, the incoming
 * rows as one typed array per column and link pairs as two arrays, unnested. No Date reaches the driver.
 */
export const postgresRosterSql: RosterSql = onConflictRosterSql({
  true: 'true',
  false: 'false',
  placeholder: (position) => `$${position}`,
  inIds: (bind, ids) => `= ANY(${bind(ids)})`,
  timestamp,
  // text[], not varchar(64)[]: an explicit cast to varchar(n) would silently truncate a long id.
  pairRows: (bind, pairs) =>
    `SELECT * FROM unnest(${bind(pairs.map((pair) => pair.sectionId))}::text[], ${bind(
      pairs.map((pair) => pair.memberId),
    )}::text[]) AS pairs(section_id, member_id)`,
  incomingRows(bind, columns, rows, runId, now) {
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
    const unnest = arrays.map((array, index) => `${bind(array)}::${types[index]}`).join(', ');
    const run = `${bind(runId)}::varchar(64)`;
    const at = timestamp(bind, now);
    return `SELECT incoming.*, true, NULL::timestamp(3), ${run}, ${run}, ${at}, ${at} FROM unnest(${unnest}) AS incoming`;
  },
});
