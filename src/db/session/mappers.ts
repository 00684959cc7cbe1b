import type {
  SyncCounts,
  SyncEntity,
  SyncRunScope,
  SyncStatus,
  SyncTrigger,
  SyncType,
} from '../../domain/index.js';
import type { SyncHistory, SyncRun } from '../../generated/session-postgresql/client.js';
import type { SyncHistoryRecord, SyncRunRecord } from '../types.js';

/** Count columns (`processedCount` ..) <-> SyncCounts, shared by sync_runs and sync_history. */
export const COUNT_KEYS = [
  'processed',
  'created',
  'updated',
  'archived',
  'restored',
  'failed',
  'invalid',
] as const;

type CountColumns = { [K in (typeof COUNT_KEYS)[number] as `${K}Count`]: number };

export function countsToColumns(counts: Partial<SyncCounts> | undefined): Partial<CountColumns> {
  const columns: Partial<CountColumns> = {};
  for (const key of COUNT_KEYS) {
    const value = counts?.[key];
    if (value !== undefined) columns[`${key}Count`] = value;
  }
  return columns;
}

export function columnsToCounts(row: CountColumns): SyncCounts {
  return {
    processed: row.processedCount,
    created: row.createdCount,
    updated: row.updatedCount,
    archived: row.archivedCount,
    restored: row.restoredCount,
    failed: row.failedCount,
    invalid: row.invalidCount,
  };
}

export function toSyncHistoryRecord(row: SyncHistory): SyncHistoryRecord {
  return {
    id: row.id,
    runId: row.runId,
    districtId: row.districtId,
    schoolId: row.schoolId,
    entity: row.entity as SyncEntity,
    syncType: row.syncType as SyncType,
    status: row.status as SyncStatus,
    trigger: row.trigger as SyncTrigger,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    counts: columnsToCounts(row),
    lastSyncTimestamp: row.lastSyncTimestamp,
    eventCursor: row.eventCursor,
    errorSummary: row.errorSummary,
    warningsJson: row.warningsJson,
  };
}

export function toSyncRunRecord(row: SyncRun): SyncRunRecord {
  return {
    runId: row.runId,
    scope: row.scope as SyncRunScope,
    scopeId: row.scopeId,
    trigger: row.trigger as SyncTrigger,
    full: row.full,
    dryRun: row.dryRun,
    status: row.status as SyncStatus,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    schoolsTotal: row.schoolsTotal,
    schoolsCompleted: row.schoolsCompleted,
    schoolsFailed: row.schoolsFailed,
    counts: columnsToCounts(row),
    summaryJson: row.summaryJson,
    errorSummary: row.errorSummary,
  };
}

/** Splits a list so `IN (...)` stays far below SQL Server's 2,100 parameters. */
export function chunked<T>(items: T[], size = 500): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}
