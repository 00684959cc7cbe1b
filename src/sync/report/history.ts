/**
 * SyncHistory bookkeeping: one Running row when a piece of a run starts (a school's students, a
 * district's school list), completed with its final status and exact counts when it ends. Dry
 * runs write no history (they change nothing; their plan lives in the SyncRun summary).
 */
import type { SessionRepository } from '../../db/index.js';
import type { SyncCounts, SyncEntity, SyncStatus, SyncTrigger, SyncType } from '../../domain/index.js';
import { type Logger, redactText } from '../../telemetry/index.js';
import { FINAL_WRITE_BUDGET_MS, settle } from '../settle.js';
import { errorForLog } from './error-text.js';

export interface HistoryOutcome {
  status: Exclude<SyncStatus, 'Running'>;
  counts: SyncCounts;
  eventCursor?: string | null;
  lastSyncTimestamp?: Date | null;
  errorSummary?: string | null;
  warnings?: string[];
}

export interface HistoryEntry {
  complete(outcome: HistoryOutcome): Promise<void>;
}

/** How an applier ends its row: the run's result does not wait on SessionDb having taken it. */
export interface PieceOutcome {
  status: HistoryOutcome['status'];
  counts: SyncCounts;
  error?: string;
  eventCursor?: string | null;
  lastSyncTimestamp?: Date | null;
  warnings: string[];
}

/**
 * Completes a roster's (or its links') row; should SessionDb refuse even after the completion's
 * own retries, that is logged, and the piece's result stands (crash recovery ends the row later).
 */
export async function completeEntry(
  entry: HistoryEntry,
  outcome: PieceOutcome,
  logger: Logger,
): Promise<void> {
  await entry
    .complete({
      status: outcome.status,
      counts: outcome.counts,
      ...(outcome.eventCursor === undefined ? {} : { eventCursor: outcome.eventCursor }),
      ...(outcome.lastSyncTimestamp === undefined ? {} : { lastSyncTimestamp: outcome.lastSyncTimestamp }),
      errorSummary: outcome.error ?? null,
      warnings: outcome.warnings,
    })
    .catch((error) => logger.warn({ err: errorForLog(error) }, 'could not complete history row'));
}

const NOOP_ENTRY: HistoryEntry = { complete: async () => {} };

/** Longest error summary stored: enough for a message, never a dump. */
const MAX_SUMMARY = 1_000;

export function summarizeError(message: string): string {
  const clean = redactText(message.replace(/\s+/g, ' ').trim());
  return clean.length > MAX_SUMMARY ? `${clean.slice(0, MAX_SUMMARY - 3)}...` : clean;
}

export class HistoryRecorder {
  constructor(
    private readonly history: SessionRepository['history'],
    private readonly runId: string,
    private readonly trigger: SyncTrigger,
    private readonly now: () => Date,
    private readonly enabled: boolean,
    private readonly settleBudgetMs = FINAL_WRITE_BUDGET_MS,
  ) {}

  async start(row: {
    districtId: number | null;
    schoolId: number | null;
    entity: SyncEntity;
    syncType: SyncType;
    eventCursor?: string | null;
  }): Promise<HistoryEntry> {
    if (!this.enabled) return NOOP_ENTRY;
    const record = await this.history.start({
      runId: this.runId,
      districtId: row.districtId,
      schoolId: row.schoolId,
      entity: row.entity,
      syncType: row.syncType,
      trigger: this.trigger,
      startedAt: this.now(),
      lastSyncTimestamp: null,
      eventCursor: row.eventCursor ?? null,
    });
    return {
      complete: (outcome) => {
        const completion = {
          status: outcome.status,
          counts: outcome.counts,
          completedAt: this.now(),
          eventCursor: outcome.eventCursor,
          lastSyncTimestamp: outcome.lastSyncTimestamp,
          errorSummary: outcome.errorSummary ? summarizeError(outcome.errorSummary) : null,
          warningsJson:
            outcome.warnings && outcome.warnings.length > 0 ? JSON.stringify(outcome.warnings) : null,
        };
        // A row left Running would later read as a crash: ride out a short SessionDb outage.
        return settle(() => this.history.complete(record.id, completion), { budgetMs: this.settleBudgetMs });
      },
    };
  }
}
