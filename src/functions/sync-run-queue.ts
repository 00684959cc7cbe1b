import type { InvocationContext, StorageQueueHandler } from '@azure/functions';
import { parseRunMessage, processRunMessage } from '../runs/index.js';
import { startQueueInvocation } from './queue-invocation.js';
import { registrationSettings } from './registration-settings.js';
import { registerStorageQueue } from './registry.js';
import { type SyncFunctionsDeps, syncFunctionsDeps } from './sync-deps.js';

/**
 * `queued-run` mode (the default infra/ deploys): one message per run, recorded by POST /api/sync
 * or the timer; this invocation runs the whole run in process, so the host tracks it from start to
 * end (an HTTP trigger's background work is not tracked and can be stopped at scale-in). Throwing
 * hands the message back to the host, which retries it and after `maxDequeueCount` attempts moves
 * it to `<queue>-poison`; the worker marks the run Failed on that last attempt
 * (src/runs/run-worker.ts).
 */
export function createSyncRunQueueHandler(getDeps: () => Promise<SyncFunctionsDeps>): StorageQueueHandler {
  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const { deps, attempt, message, worker } = await startQueueInvocation(
      entry,
      context,
      getDeps,
      parseRunMessage,
    );
    // The run's outcome is recorded (SyncRun, SyncHistory, CleverSyncRunCompleted) and logged by the
    // worker; a run that ran and failed is not thrown, or the host would deliver the message again.
    await processRunMessage(message, attempt, { ...worker, sync: deps.sync });
  };
}

export const syncRunQueueHandler = createSyncRunQueueHandler(syncFunctionsDeps);

registerStorageQueue('SyncRunQueueFunction', {
  // A literal name: a `%SYNC_RUN_QUEUE_NAME%` binding expression fails indexing when the setting is unset.
  queueName: registrationSettings().runQueueName,
  connection: 'AzureWebJobsStorage',
  handler: syncRunQueueHandler,
});
