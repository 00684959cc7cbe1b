import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type MigrationTarget, toMigrationRecord } from '../base/migration-target.js';
import { sqliteFilePath } from './url.js';

// Prisma's SQLite migrations table, verbatim (schema-engine sqlite flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);
`;

/** Statements that do not work inside a transaction, or manage their own. */
const NOT_TRANSACTIONAL = /\b(PRAGMA|BEGIN|COMMIT|END\s+TRANSACTION|ROLLBACK|VACUUM|ATTACH|DETACH)\b/i;

/**
 * better-sqlite3 directly: one connection, synchronous, and `exec` runs a multi-statement
 * script. Prisma stores timestamps in this table as Unix epoch milliseconds (quaint's SQLite
 * DateTime encoding); so do we.
 */
export function openSqliteMigrationTarget(
  url: string,
  options: { readOnly?: boolean } = {},
): MigrationTarget {
  const path = sqliteFilePath(url);
  if (!options.readOnly) mkdirSync(dirname(path), { recursive: true });
  // Read-only (checking the migration state): never create the file or take a write lock.
  const db = options.readOnly
    ? new Database(path, { readonly: true, fileMustExist: true })
    : new Database(path);

  return {
    async lock(timeoutMs) {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
      // Prisma's lock: the connection keeps an exclusive lock until it closes. Taking it now
      // (BEGIN EXCLUSIVE) makes a second applier wait here instead of failing mid-way.
      db.pragma('main.locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE; COMMIT;');
    },
    async userTables() {
      const rows = db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'",
        )
        .all() as { name: string }[];
      return rows.map((row) => row.name);
    },
    async hasMigrationsTable() {
      return (
        db
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'")
          .get() !== undefined
      );
    },
    async createMigrationsTable() {
      db.exec(CREATE_MIGRATIONS_TABLE);
    },
    async listMigrations() {
      const rows = db
        .prepare(
          'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at FROM _prisma_migrations ORDER BY started_at ASC',
        )
        .all() as Record<string, unknown>[];
      return rows.map(toMigrationRecord);
    },
    async recordStarted(id, name, checksum, at) {
      db.prepare(
        'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES (?, ?, ?, ?)',
      ).run(id, checksum, at.getTime(), name);
    },
    async recordFinished(id, at) {
      db.prepare(
        'UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, finished_at = ? WHERE id = ?',
      ).run(at.getTime(), id);
    },
    async recordFailed(id, logs) {
      db.prepare('UPDATE _prisma_migrations SET logs = ? WHERE id = ?').run(logs, id);
    },
    async applyScript(script) {
      // Prisma runs the script as is. When it holds no statement that forbids it, we also wrap
      // it in a transaction so that a failure leaves nothing half-applied.
      if (NOT_TRANSACTIONAL.test(script)) {
        db.exec(script);
        return;
      }
      db.exec('BEGIN');
      try {
        db.exec(script);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      db.close();
    },
  };
}
