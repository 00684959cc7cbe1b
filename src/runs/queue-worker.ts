/**
 * Scale-out mode, receiving side: one invocation syncs one school of a run. Delivery is at least
 * once, so the work is idempotent: a message whose school already finished for its run, or whose
 * run is over, does nothing. The per-school lease still keeps two syncs of a school apart.
 *
 * What counts as a failure of the message (and is thrown back to the host, which retries it up to
 * host.json `maxDequeueCount` times and then moves it to the `-poison` queue): anything that stops
 * the school sync from starting or recording its outcome, e.g. SessionDb unreachable. A school sync
 * that ran and failed is not retried here: the engine has already retried Clever and database calls,
 * SyncHistory holds the failure and the school's consecutive-failure alert counts it.
 */

import type { SessionRepository } from '../db/index.js';
import { AppError, ConflictError, NotFoundError, toLogObject } from '../errors.js';
import type { SyncRunResult, SyncService } from '../sync/index.js';
import { leaseKeys, refreshAttachedRun, runIdOfHolder } from '../sync/index.js';
import type { Logger } from '../telemetry/index.js';
import { scopeLeaseKey } from './queue-fan-out.js';
import type { SchoolSyncMessage } from './queue-message.js';
import { queueHolder } from './queued-run-leases.js';
import { type QueueInvocationDeps, runningRunOf } from './recorded-run.js';

/** `onRunCompleted`: for a run this worker completes while recording a school it could not sync. */
export interface QueueWorkerDeps extends QueueInvocationDeps {
  sync: Pick<SyncService, 'syncSchool'>;
}

export type SchoolMessageOutcome =
  | { action: 'synced'; result: SyncRunResult }
  | {
      action: 'skipped';
      reason:
        | 'run-unknown'
        | 'run-finished'
        | 'already-done'
        | 'duplicate-delivery'
        | 'held-by-other-run'
        | 'school-gone'
        | 'dry-run';
    };

export async function processSchoolMessage(
  message: SchoolSyncMessage,
  attempt: number,
  deps: QueueWorkerDeps,
): Promise<SchoolMessageOutcome> {
  const { session } = deps;
  const now = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ runId: message.runId, schoolId: message.schoolId, attempt });

  const run = await runningRunOf(session, message.runId, log);
  if (typeof run === 'string') return { action: 'skipped', reason: run };
  if (await schoolAlreadyDone(session, message)) {
    log.info('school already synced for this run (redelivered message): nothing to do');
    return { action: 'skipped', reason: 'already-done' };
  }

  const holder = queueHolder(message.runId);
  const district =
    run.scope === 'district' && run.scopeId !== null ? await session.districts.findById(run.scopeId) : null;
  const runLeases = [leaseKeys.run(message.runId), scopeLeaseKey(run.scope, district)].filter(
    (key): key is string => key !== null,
  );
  await renew(session, runLeases, holder, deps.leaseSeconds, log);

  const settle = async () => {
    const after = await session.runs.get(message.runId);
    if (after && after.status !== 'Running') {
      // The run's last school: nobody needs its leases any more.
      for (const key of runLeases) await session.leases.release(key, holder).catch(() => undefined);
    }
  };

  const notSynced = async (why: string) => {
    await recordNotSynced(session, message, run.scopeId, why, now);
    const completion = await refreshAttachedRun(session, message.runId, now);
    if (completion) deps.onRunCompleted?.(completion);
    await settle();
  };

  if (message.dryRun) {
    // A dry run writes no SyncHistory, from which a queued run's totals are rebuilt: run here, it
    // could never complete its run. The fan-out never queues one; a message that still says so
    // (an older deployment, or delivered by hand) is recorded as not synced, so its run ends.
    log.warn('dry-run queue message: not run (dry runs run in process)');
    await notSynced('skipped: dry runs are not run from the queue; start them in process');
    return { action: 'skipped', reason: 'dry-run' };
  }

  let result: SyncRunResult;
  try {
    result = await deps.sync.syncSchool(message.schoolId, {
      runId: message.runId,
      trigger: 'queue',
      full: message.full,
      dryRun: message.dryRun,
      force: message.force,
    });
  } catch (error) {
    if (error instanceof ConflictError && error.details.runId === message.runId) {
      log.info('another invocation of this run is syncing the school (duplicate delivery): nothing to do');
      return { action: 'skipped', reason: 'duplicate-delivery' };
    }
    if (error instanceof ConflictError || error instanceof NotFoundError) {
      // Retrying cannot help: record the school as not synced by this run so the run can finish.
      const why =
        error instanceof ConflictError
          ? `skipped: run ${String(error.details.runId)} was already syncing this school`
          : `skipped: ${error.message}`;
      log.warn({ reason: why }, 'queued school not synced');
      await notSynced(why);
      return {
        action: 'skipped',
        reason: error instanceof ConflictError ? 'held-by-other-run' : 'school-gone',
      };
    }
    log.error({ err: toLogObject(error) }, 'queued school sync could not run');
    if (attempt >= deps.maxDequeueCount) {
      // The host gives up after this attempt (poison queue): let the run finish without the school.
      const safe = error instanceof AppError ? error.message : 'unexpected error';
      await recordNotSynced(session, message, run.scopeId, `failed after ${attempt} attempts: ${safe}`, now)
        .then(() => refreshAttachedRun(session, message.runId, now))
        .then((completion) => {
          if (completion) deps.onRunCompleted?.(completion);
        })
        .then(settle)
        .catch((cause: unknown) =>
          log.error({ err: toLogObject(cause) }, 'could not record the poisoned school'),
        );
    }
    throw error;
  }
  await settle();
  if (result.status === 'Failed')
    log.error({ error: result.error }, 'queued school sync failed (recorded in SyncHistory)');
  return { action: 'synced', result };
}

/** Done for a run when the school's history rows for that run all ended well (not on a redelivery after a crash). */
async function schoolAlreadyDone(session: SessionRepository, message: SchoolSyncMessage): Promise<boolean> {
  if (message.dryRun) return false; // dry runs write no history; repeating one changes nothing
  const rows = await session.history.list({ runId: message.runId, schoolId: message.schoolId, limit: 50 });
  return rows.length > 0 && rows.every((row) => row.status === 'Succeeded' || row.status === 'Held');
}

/** One Abandoned SyncHistory row for the school, which the run's totals count as not synced. */
async function recordNotSynced(
  session: SessionRepository,
  message: SchoolSyncMessage,
  districtId: number | null,
  reason: string,
  now: () => Date,
): Promise<void> {
  const school = await session.schools.findById(message.schoolId);
  const row = await session.history.start({
    runId: message.runId,
    districtId: school?.districtId ?? districtId,
    schoolId: message.schoolId,
    entity: 'schools',
    syncType: message.full ? 'Full' : 'Incremental',
    trigger: 'queue',
    startedAt: now(),
    lastSyncTimestamp: null,
    eventCursor: null,
  });
  await session.history.complete(row.id, {
    status: 'Abandoned',
    counts: { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
    completedAt: now(),
    errorSummary: reason,
  });
}

async function renew(
  session: SessionRepository,
  keys: string[],
  holder: string,
  ttlSeconds: number,
  log: Logger,
) {
  for (const key of keys) {
    try {
      const renewed = await session.leases.renew(key, holder, ttlSeconds);
      if (!renewed) {
        // Expired (queue backlog longer than the lease): take it again unless another run has it.
        const again = await session.leases.tryAcquire(key, holder, ttlSeconds);
        if (!again.acquired)
          log.warn({ leaseKey: key, holder: runIdOfHolder(again.holder) }, 'run lease taken by another run');
      }
    } catch (error) {
      log.warn({ leaseKey: key, err: toLogObject(error) }, 'could not renew run lease');
    }
  }
}
