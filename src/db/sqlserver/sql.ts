/**
 * Every SQL Server statement clever-sync sends, in one place. UNTESTED AGAINST A LIVE SERVER:
 * no SQL Server is available where this was written; test/db/sqlserver-sql.test.ts checks the
 * generated text (parameter counts, OPENJSON shape, column coverage). docs/database.md says so.
 *
 * Parameters are `@P1, @P2, ..`, each with a declared type (`types`), bound by ./executor.ts.
 * SQL Server allows 2,100 parameters per request, so row sets travel as ONE JSON parameter
 * (declared NVARCHAR(MAX)) unpacked with OPENJSON.
 */
import type { RosterColumn } from '../base/roster-columns.js';
import type { RosterSql, RosterWrite, SqlStatement } from '../base/roster-sql.js';
import { sqlserverLinkSql } from './link-sql.js';
import { bracket, KEY_TYPE, openJsonIds } from './openjson.js';

export const SQLSERVER_MAX_PARAMETERS = 2_100;

/** SQL Server schema names we accept in URLs (`;schema=x`), default `dbo`. */
export function assertSafeSqlServerSchema(schema: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(schema)) {
    throw new Error(`SQL Server schema "${schema}" must be a plain identifier`);
  }
}

// ---------- migrations (`_prisma_migrations`, verbatim from Prisma's schema engine) ----------

export function createMigrationsTableSql(schema: string): string {
  return `CREATE TABLE ${bracket(schema)}.[_prisma_migrations] (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIMEOFFSET,
    migration_name          NVARCHAR(250) NOT NULL,
    logs                    NVARCHAR(MAX) NULL,
    rolled_back_at          DATETIMEOFFSET,
    started_at              DATETIMEOFFSET NOT NULL DEFAULT CURRENT_TIMESTAMP,
    applied_steps_count     INT NOT NULL DEFAULT 0
);
`;
}

/**
 * Prisma Migrate's lock (same resource, mode and owner, so it excludes `prisma migrate deploy`),
 * with a timeout; returns sp_getapplock's status (>= 0: granted).
 */
export function acquireMigrationLockSql(timeoutMs: number): string {
  return (
    'DECLARE @status INT; ' +
    "EXEC @status = sp_getapplock @Resource = 'prisma_migrate', @LockMode = 'Exclusive', @LockOwner = 'Session', " +
    `@LockTimeout = ${Math.max(0, Math.floor(timeoutMs))}; SELECT @status AS status;`
  );
}

export const RELEASE_MIGRATION_LOCK_SQL =
  "EXEC sp_releaseapplock @Resource = 'prisma_migrate', @LockOwner = 'Session';";

export function userTablesSql(schema: string): SqlStatement {
  return {
    sql:
      "SELECT tbl.name AS name FROM sys.tables AS tbl WHERE tbl.is_ms_shipped = 0 AND tbl.type = 'U' " +
      "AND SCHEMA_NAME(tbl.schema_id) = @P1 AND tbl.name <> '_prisma_migrations'",
    params: [schema],
    types: ['text'],
  };
}

export function hasMigrationsTableSql(schema: string): SqlStatement {
  return {
    sql: "SELECT 1 AS present FROM sys.tables AS tbl WHERE tbl.name = '_prisma_migrations' AND SCHEMA_NAME(tbl.schema_id) = @P1",
    params: [schema],
    types: ['text'],
  };
}

export function listMigrationsSql(schema: string): string {
  return (
    'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at ' +
    `FROM ${bracket(schema)}.[_prisma_migrations] ORDER BY started_at ASC`
  );
}

/** Timestamps go as ISO 8601 UTC text and are CAST, which SQL Server parses unambiguously. */
export function recordMigrationStartedSql(
  schema: string,
  id: string,
  name: string,
  checksum: string,
  at: Date,
): SqlStatement {
  return {
    sql:
      `INSERT INTO ${bracket(schema)}.[_prisma_migrations] (id, checksum, started_at, migration_name) ` +
      'VALUES (@P1, @P2, CAST(@P3 AS DATETIMEOFFSET), @P4)',
    params: [id, checksum, at.toISOString(), name],
    types: ['key', 'key', 'text', 'text'],
  };
}

export function recordMigrationFinishedSql(schema: string, id: string, at: Date): SqlStatement {
  return {
    sql:
      `UPDATE ${bracket(schema)}.[_prisma_migrations] ` +
      'SET applied_steps_count = applied_steps_count + 1, finished_at = CAST(@P2 AS DATETIMEOFFSET) WHERE id = @P1',
    params: [id, at.toISOString()],
    types: ['key', 'text'],
  };
}

export function recordMigrationFailedSql(schema: string, id: string, logs: string): SqlStatement {
  return {
    sql: `UPDATE ${bracket(schema)}.[_prisma_migrations] SET logs = @P2 WHERE id = @P1`,
    params: [id, logs],
    types: ['key', 'text'],
  };
}

// ---------- roster bulk writes ----------

function openJsonType(column: RosterColumn): string {
  if (column.type === 'DateTime') return 'DATETIME2';
  if (column.type === 'Int') return 'INT';
  if (column.type === 'Boolean') return 'BIT';
  if (column.size === 'key') return KEY_TYPE;
  if (column.size === 'short') return 'NVARCHAR(40)';
  if (typeof column.size === 'number') return `NVARCHAR(${column.size})`;
  return 'NVARCHAR(MAX)';
}

/** `OPENJSON(@Pn) WITH (...)`: the JSON array of row objects as a typed rowset. */
export function openJsonRowset(parameter: string, columns: RosterColumn[]): string {
  const definitions = [
    ...columns.map((column) => `${bracket(column.column)} ${openJsonType(column)} '$.${column.column}'`),
    `[content_hash] NVARCHAR(64) '$.content_hash'`,
  ];
  return `OPENJSON(${parameter}) WITH (${definitions.join(', ')})`;
}

/** Dates as ISO 8601 without the zone (UTC by convention), which OPENJSON converts to DATETIME2. */
function jsonValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString().slice(0, 23) : value;
}

export function rowsJson(columns: RosterColumn[], rows: RosterWrite[]): string {
  return JSON.stringify(
    rows.map((row) => {
      const object: Record<string, unknown> = {};
      columns.forEach((column, index) => {
        object[column.column] = jsonValue(row.values[index]);
      });
      object.content_hash = row.contentHash;
      return object;
    }),
  );
}

export function sqlserverRosterSql(schema = 'dbo'): RosterSql {
  assertSafeSqlServerSchema(schema);
  const table = (name: string) => `${bracket(schema)}.${bracket(name)}`;
  const unseen = 'is_active = 1 AND (last_seen_run_id IS NULL OR last_seen_run_id <> @P1)';

  return {
    ...sqlserverLinkSql(schema),
    // Rows travel in one JSON parameter: the limit is transaction size, not parameters.
    maxRowsPerUpsert: () => 5_000,
    selectExisting(name, cleverIds) {
      return {
        sql:
          `SELECT t.clever_id, t.content_hash, t.is_active FROM ${table(name)} AS t ` +
          `INNER JOIN ${openJsonIds('@P1')} AS ids ON t.clever_id = ids.clever_id`,
        params: [JSON.stringify(cleverIds)],
        types: ['json'],
      };
    },
    upsert(name, columns, rows, runId, now) {
      const names = columns.map((column) => bracket(column.column));
      const updates = [
        ...columns.filter((column) => column.column !== 'clever_id').map((column) => bracket(column.column)),
        '[content_hash]',
      ].map((column) => `t.${column} = s.${column}`);
      updates.push(
        't.[is_active] = 1',
        't.[deactivated_at] = NULL',
        't.[last_seen_run_id] = @P2',
        't.[updated_at] = @P3',
      );
      const insertColumns = [
        ...names,
        '[content_hash]',
        '[is_active]',
        '[first_seen_run_id]',
        '[last_seen_run_id]',
        '[created_at]',
        '[updated_at]',
      ];
      const insertValues = [
        ...names.map((column) => `s.${column}`),
        's.[content_hash]',
        '1',
        '@P2',
        '@P2',
        '@P3',
        '@P3',
      ];
      return {
        // HOLDLOCK: MERGE is not atomic against concurrent inserts of the same key without it.
        sql:
          `MERGE ${table(name)} WITH (HOLDLOCK) AS t USING ${openJsonRowset('@P1', columns)} AS s ` +
          'ON t.[clever_id] = s.[clever_id] ' +
          `WHEN MATCHED THEN UPDATE SET ${updates.join(', ')} ` +
          `WHEN NOT MATCHED BY TARGET THEN INSERT (${insertColumns.join(', ')}) VALUES (${insertValues.join(', ')});`,
        params: [rowsJson(columns, rows), runId, now],
        types: ['json', 'key', 'timestamp'],
      };
    },
    touch(name, cleverIds, runId) {
      return {
        sql:
          `UPDATE t SET t.last_seen_run_id = @P1 FROM ${table(name)} AS t ` +
          `INNER JOIN ${openJsonIds('@P2')} AS ids ON t.clever_id = ids.clever_id`,
        params: [runId, JSON.stringify(cleverIds)],
        types: ['key', 'json'],
      };
    },
    countActive(name) {
      return { sql: `SELECT COUNT(*) AS n FROM ${table(name)} WHERE is_active = 1`, params: [], types: [] };
    },
    hasRows(name) {
      return {
        sql: `SELECT CASE WHEN EXISTS (SELECT 1 FROM ${table(name)}) THEN 1 ELSE 0 END AS n`,
        params: [],
        types: [],
      };
    },
    countUnseenActive(name, runId) {
      return {
        sql: `SELECT COUNT(*) AS n FROM ${table(name)} WHERE ${unseen}`,
        params: [runId],
        types: ['key'],
      };
    },
    archiveUnseen(name, runId, at) {
      return {
        sql: `UPDATE ${table(name)} SET is_active = 0, deactivated_at = @P2, updated_at = @P2 WHERE ${unseen}`,
        params: [runId, at],
        types: ['key', 'timestamp'],
      };
    },
    archiveByCleverIds(name, cleverIds, at) {
      return {
        sql:
          `UPDATE t SET t.is_active = 0, t.deactivated_at = @P1, t.updated_at = @P1 FROM ${table(name)} AS t ` +
          `INNER JOIN ${openJsonIds('@P2')} AS ids ON t.clever_id = ids.clever_id WHERE t.is_active = 1`,
        params: [at, JSON.stringify(cleverIds)],
        types: ['timestamp', 'json'],
      };
    },
    activeIdsPage(name, after, limit) {
      return after === null
        ? {
            sql: `SELECT TOP (@P1) clever_id FROM ${table(name)} WHERE is_active = 1 ORDER BY clever_id`,
            params: [limit],
            types: ['int'],
          }
        : {
            sql: `SELECT TOP (@P1) clever_id FROM ${table(name)} WHERE is_active = 1 AND clever_id > @P2 ORDER BY clever_id`,
            params: [limit, after],
            types: ['int', 'key'],
          };
    },
    activeAmong(name, cleverIds) {
      return {
        sql:
          `SELECT t.clever_id FROM ${table(name)} AS t ` +
          `INNER JOIN ${openJsonIds('@P1')} AS ids ON t.clever_id = ids.clever_id WHERE t.is_active = 1`,
        params: [JSON.stringify(cleverIds)],
        types: ['json'],
      };
    },
    unreferenced(name, sectionsName, sectionColumn) {
      return {
        sql:
          `SELECT r.clever_id FROM ${table(name)} AS r WHERE r.is_active = 1 AND NOT EXISTS ` +
          `(SELECT 1 FROM ${table(sectionsName)} AS s WHERE s.is_active = 1 AND s.[${sectionColumn}] = r.clever_id) ` +
          'ORDER BY r.clever_id',
        params: [],
        types: [],
      };
    },
    deleteInactive(name, inactiveSince) {
      return {
        sql: `DELETE FROM ${table(name)} WHERE is_active = 0 AND deactivated_at < @P1`,
        params: [inactiveSince],
        types: ['timestamp'],
      };
    },
  };
}
