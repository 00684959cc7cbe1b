/**
 * A run the trigger records before anything syncs (the queued modes): its SyncRun row, Running,
 * with no school known yet, so `GET /api/sync/runs/{id}` answers at once and crash recovery sees
 * it (its run lease proves it alive). And how such a run ends when it cannot go on: Failed, with
 * a message safe to show, and a completion event, which the "failed runs" alert reads.
 */
import type { SessionRepository, SyncRunRecord } from '../db/types.js';
import { zeroCounts } from '../sync/counts.js';
import type { SyncRunCompletion } from '../sync/types.js';

export type RecordedRunFields = Pick<
  SyncRunRecord,
  'runId' | 'scope' | 'scopeId' | 'trigger' | 'full' | 'dryRun' | 'startedAt'
>;

export async function recordRunningRun(session: SessionRepository, run: RecordedRunFields): Promise<void> {
  await session.runs.create({
    ...run,
    status: 'Running',
    // Known once the run refreshes its school lists (the status view shows no percentage until then).
    schoolsTotal: 0,
    schoolsCompleted: 0,
    schoolsFailed: 0,
    counts: zeroCounts(),
  });
}

/** Ends the run (Failed, or Abandoned when whoever ran it is gone) with `reason`, safe to show, and reports it. */
export async function endRecordedRun(
  session: SessionRepository,
  run: Pick<SyncRunRecord, 'runId' | 'trigger' | 'dryRun' | 'startedAt'>,
  status: 'Failed' | 'Abandoned',
  reason: string,
  completedAt: Date,
  onRunCompleted?: (run: SyncRunCompletion) => void,
): Promise<void> {
  await session.runs.update(run.runId, { status, completedAt, errorSummary: reason });
  onRunCompleted?.({
    runId: run.runId,
    trigger: run.trigger,
    status,
    dryRun: run.dryRun,
    durationMs: Math.max(0, completedAt.getTime() - run.startedAt.getTime()),
    schoolsTotal: 0,
    schoolsFailed: 0,
    counts: zeroCounts(),
    districts: [],
  });
}
