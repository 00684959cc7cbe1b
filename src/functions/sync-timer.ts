import type { InvocationContext, Timer, TimerHandler } from '@azure/functions';
import { ConflictError, toLogObject } from '../errors.js';
import { registrationSettings } from './registration-settings.js';
import { registerTimer } from './registry.js';
import { type SyncFunctionsDeps, syncFunctionsDeps } from './sync-deps.js';

/**
 * The nightly sync of every district (SYNC_TIMER_SCHEDULE, default 02:00 UTC). In-process mode
 * waits for the run and logs a structured summary; queue mode enqueues the schools and returns.
 * A run still going on from before is not doubled: the timer logs it and lets it finish.
 */
export function createSyncTimerHandler(getDeps: () => Promise<SyncFunctionsDeps>): TimerHandler {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const deps = await getDeps();
    const log = deps.logger.child({ invocationId: context.invocationId, functionName: context.functionName });
    if (timer.isPastDue) log.warn('timer is past due (the app was asleep or busy at the scheduled time)');
    let launched: Awaited<ReturnType<typeof deps.launcher.launch>>;
    try {
      launched = await deps.launcher.launch(
        { target: { scope: 'all' }, full: false, dryRun: false, force: false },
        'timer',
      );
    } catch (error) {
      if (error instanceof ConflictError) {
        log.warn(
          { runningRunId: error.details.runId },
          'nightly sync skipped: a sync of everything is still running',
        );
        return;
      }
      log.error({ err: toLogObject(error) }, 'nightly sync could not start');
      throw error;
    }
    if (!launched.done) {
      log.info({ runId: launched.runId, schoolsQueued: launched.schoolsQueued }, 'nightly sync queued');
      return;
    }
    const result = await launched.done;
    const summary = {
      runId: result.runId,
      status: result.status,
      durationMs: result.durationMs,
      districts: result.districts.length,
      schoolsTotal: result.schoolsTotal,
      schoolsCompleted: result.schoolsCompleted,
      schoolsFailed: result.schoolsFailed,
      schoolsSkipped: result.schoolsSkipped,
      counts: result.counts,
    };
    if (result.status === 'Failed') {
      log.error({ summary, error: result.error }, 'nightly sync failed');
      // A failed invocation is what the "failed runs" alert and the portal's monitor count.
      throw new Error(`Nightly sync ${result.runId} failed: ${result.error ?? 'see SyncHistory'}`);
    }
    const level = result.status === 'Succeeded' ? 'info' : 'warn';
    log[level]({ summary }, `nightly sync ${result.status}`);
  };
}

export const syncTimerHandler = createSyncTimerHandler(syncFunctionsDeps);

registerTimer('SyncTimerFunction', {
  schedule: registrationSettings().timerSchedule,
  runOnStartup: false,
  handler: syncTimerHandler,
});
