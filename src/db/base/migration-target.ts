/** One row of `_prisma_migrations`. */
export interface MigrationRecord {
  id: string;
  checksum: string;
  migrationName: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  logs: string | null;
}

/**
 * What the applier needs from one database connection. Each provider implements it on a single
 * session, because Prisma's migration locks (pg_advisory_lock, sp_getapplock with a Session owner,
 * SQLite's exclusive locking mode) belong to the session that took them.
 */
export interface MigrationTarget extends MigrationReader {
  lock(timeoutMs: number): Promise<void>;
  /** Tables of the target schema other than `_prisma_migrations`. */
  userTables(): Promise<string[]>;
  createMigrationsTable(): Promise<void>;
  recordStarted(id: string, name: string, checksum: string, at: Date): Promise<void>;
  /** `applied_steps_count + 1` and `finished_at`, as Prisma records a successful script. */
  recordFinished(id: string, at: Date): Promise<void>;
  recordFailed(id: string, logs: string): Promise<void>;
  applyScript(script: string): Promise<void>;
  /** Releases the lock and the connection. */
  close(): Promise<void>;
}

/** What checking the migration state needs: two reads, no lock, no DDL. */
export interface MigrationReader {
  hasMigrationsTable(): Promise<boolean>;
  listMigrations(): Promise<MigrationRecord[]>;
  close(): Promise<void>;
}

/** A `_prisma_migrations` row as any driver returns it (column names as Prisma writes them). */
export function toMigrationRecord(row: Record<string, unknown>): MigrationRecord {
  return {
    id: String(row.id),
    checksum: String(row.checksum),
    migrationName: String(row.migration_name),
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    rolledBackAt: toDate(row.rolled_back_at),
    logs: typeof row.logs === 'string' ? row.logs : null,
  };
}

export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  if (typeof value === 'string') {
    // SQLite's CURRENT_TIMESTAMP text is UTC without a zone marker.
    const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)
      ? `${value.replace(' ', 'T')}Z`
      : value;
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}
