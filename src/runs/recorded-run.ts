/**
 * A run the trigger records before anything syncs (the queued modes): its SyncRun row, Running,
 * with no school known yet, so `GET /api/sync/runs/{id}` answers at once and crash recovery sees
 * it (its run lease proves it alive). And how such a run ends when it cannot go on: Failed, with
 * a message safe to show, and a completion event, which the "failed runs" alert reads.
 */
import type { SessionRepository, SyncRunRecord } from '../db/index.js';
import { zeroCounts } from '../domain/index.js';
import type { SyncRunCompletion } from '../sync/index.js';
import type { Logger } from '../telemetry/index.js';

/** What a queue invocation working on a recorded run needs (run messages and school messages alike). */
export interface QueueInvocationDeps {
  session: SessionRepository;
  leaseSeconds: number;
  /** host.json `extensions.queues.maxDequeueCount`: the attempt after which the host gives up. */
  maxDequeueCount: number;
  logger: Logger;
  /** Telemetry for a run the invocation ends itself. */
  onRunCompleted?: (run: SyncRunCompletion) => void;
  clock?: () => Date;
}

/**
 * The run a queue message names while it is Running; otherwise why the message has nothing to do
 * (delivered after its run ended, or for a run this SessionDb never recorded).
 */
export async function runningRunOf(
  session: SessionRepository,
  runId: string,
  log: Logger,
): Promise<SyncRunRecord | 'run-unknown' | 'run-finished'> {
  const run = await session.runs.get(runId);
  if (!run) {
    log.warn('queue message for an unknown run: dropped');
    return 'run-unknown';
  }
  if (run.status !== 'Running') {
    log.info({ status: run.status }, 'queue message for a finished run: nothing to do');
    return 'run-finished';
  }
  return run;
}

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
