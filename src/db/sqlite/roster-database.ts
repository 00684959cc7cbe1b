import type Database from 'better-sqlite3';
import type { RosterDatabase, RosterExecutor, SqlStatement } from '../base/roster-sql.js';

/**
 * Roster SQL on a raw better-sqlite3 connection, as PostgreSQL's runs on its raw pool: prepared
 * statements cached by their text (the roster statements' text depends on the table, not on how
 * many rows or ids they carry), batches run row by row inside the caller's transaction.
 * Measured against Prisma's adapter (`$executeRawUnsafe` over a JSON row set): see
 * docs/performance.md.
 *
 * better-sqlite3 is synchronous, but a transaction's work is async (it awaits each statement):
 * units of work on the connection take turns, so no statement from elsewhere lands inside an
 * open transaction.
 */
export function sqliteRosterDatabase(db: Database.Database): RosterDatabase {
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const run = (statement: SqlStatement): number => {
    const prepared = prepare(statement.sql);
    if (!statement.batch) return prepared.run(...statement.params).changes;
    let changes = 0;
    for (const params of statement.batch) changes += prepared.run(...params).changes;
    return changes;
  };
  const direct: RosterExecutor = {
    query: async (statement) => prepare(statement.sql).all(...statement.params) as Record<string, unknown>[],
    execute: async (statement) => run(statement),
  };

  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const result = turn.then(work);
    turn = result.catch(() => undefined);
    return result;
  };

  return {
    query: (statement) => exclusive(() => direct.query(statement)),
    execute: (statement) => exclusive(() => direct.execute(statement)),
    transaction: (work) =>
      exclusive(async () => {
        // IMMEDIATE takes the write lock now (waiting up to the busy timeout), instead of failing
        // with SQLITE_BUSY when a read inside the transaction later upgrades to a write.
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(direct);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      }),
  };
}
