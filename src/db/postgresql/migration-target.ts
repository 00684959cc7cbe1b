import { type MigrationTarget, toMigrationRecord } from '../base/migration-target.js';
import { connectPostgresClient } from './pool.js';
import { postgresClientConfig } from './url.js';

// Prisma's PostgreSQL migrations table, verbatim (schema-engine postgres flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

// Prisma Migrate's advisory lock key: holding it excludes `prisma migrate deploy` too.
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/**
 * One `pg.Client` (one session): the advisory lock is session-scoped, and a script sent with no
 * parameters goes through the simple-query protocol, which runs all its statements in one
 * implicit transaction, exactly as Prisma's engine applies PostgreSQL migrations.
 */
export async function openPostgresMigrationTarget(
  url: string,
  options: { readOnly?: boolean } = {},
): Promise<MigrationTarget> {
  const { schema } = postgresClientConfig(url);
  const client = await connectPostgresClient(url);
  let locked = false;
  try {
    // Read-only (checking the migration state): no DDL, so an identity without CREATE can check.
    if (schema && !options.readOnly) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    // Two appliers creating the schema at once: one gets 42P06 or 23505; the schema exists.
    const code = (error as { code?: unknown }).code;
    if (code !== '42P06' && code !== '23505') {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  return {
    async lock(timeoutMs) {
      // lock_timeout applies to advisory locks too: fail clearly instead of waiting forever.
      await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      try {
        await client.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})`);
        locked = true;
      } finally {
        await client.query('RESET lock_timeout');
      }
    },
    async userTables() {
      const result = await client.query<{ name: string }>(
        `SELECT tbl.relname AS name FROM pg_class AS tbl
         JOIN pg_namespace AS ns ON ns.oid = tbl.relnamespace
         WHERE tbl.relkind = 'r' AND ns.nspname = current_schema() AND tbl.relname <> '_prisma_migrations'`,
      );
      return result.rows.map((row) => row.name);
    },
    async hasMigrationsTable() {
      const result = await client.query(
        `SELECT 1 FROM pg_class AS tbl JOIN pg_namespace AS ns ON ns.oid = tbl.relnamespace
         WHERE tbl.relkind = 'r' AND ns.nspname = current_schema() AND tbl.relname = '_prisma_migrations'`,
      );
      return (result.rowCount ?? 0) > 0;
    },
    async createMigrationsTable() {
      await client.query(CREATE_MIGRATIONS_TABLE);
    },
    async listMigrations() {
      const result = await client.query<Record<string, unknown>>(
        'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at FROM _prisma_migrations ORDER BY started_at ASC',
      );
      return result.rows.map(toMigrationRecord);
    },
    async recordStarted(id, name, checksum, at) {
      await client.query(
        'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, $3, $4)',
        [id, checksum, at, name],
      );
    },
    async recordFinished(id, at) {
      await client.query(
        'UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, finished_at = $2 WHERE id = $1',
        [id, at],
      );
    },
    async recordFailed(id, logs) {
      await client.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, logs]);
    },
    async applyScript(script) {
      await client.query(script);
    },
    async close() {
      try {
        if (locked) await client.query(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK_KEY})`);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}
