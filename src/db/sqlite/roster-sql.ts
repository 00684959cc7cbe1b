import { type Bind, onConflictRosterSql } from '../base/on-conflict-sql.js';
import type { RosterSql } from '../base/roster-sql.js';

/** Timestamps as UTC text in the form the better-sqlite3 adapter writes, so Prisma Client reads them back. */
const sqliteTimestamp = (date: Date) => date.toISOString().replace('Z', '+00:00');
const timestamp = (bind: Bind, date: Date) => bind(sqliteTimestamp(date));

/** A value as better-sqlite3 binds it: Dates as the adapter's timestamp text, booleans as 1/0. */
function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return sqliteTimestamp(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value ?? null;
}

let lastNowMs = Number.NaN;
let lastNowText = '';

/**
 * SQLite's roster SQL: `?` placeholders bound by position, 1/0 for booleans, id lists and link
 * pairs as one JSON text parameter read with json_each. Upserts are a one-row statement run as a
 * batch on the raw driver (./roster-database.ts): better-sqlite3 runs a prepared statement per row
 * in one transaction faster (no JSON built or parsed) than one statement over a JSON row set,
 * which SQLite parses once per column it extracts.
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
  batchRow(row, runId, now) {
    // Every row of a batch has the same `now`: its text is built once, not once per row.
    if (lastNowMs !== now.getTime()) {
      lastNowMs = now.getTime();
      lastNowText = sqliteTimestamp(now);
    }
    const params = row.values.map(sqliteValue);
    params.push(row.contentHash, runId, runId, lastNowText, lastNowText);
    return params;
  },
});
