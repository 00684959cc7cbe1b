import type { InvocationContext, StorageQueueHandler } from '@azure/functions';
import { parseSchoolSyncMessage, processSchoolMessage } from '../runs/index.js';
import { startQueueInvocation } from './queue-invocation.js';
import { registrationSettings } from './registration-settings.js';
import { registerStorageQueue } from './registry.js';
import { type SyncFunctionsDeps, syncFunctionsDeps } from './sync-deps.js';

/**
 * Scale-out mode (SYNC_DISPATCH_MODE=queue): one message per school, one school per invocation.
 * Throwing hands the message back to the host, which retries it and after `maxDequeueCount`
 * attempts moves it to `<queue>-poison`: a malformed message (cheap to retry, never succeeds) and
 * a school sync that could not start (e.g. SessionDb down). See src/runs/queue-worker.ts.
 */
export function createSyncQueueHandler(getDeps: () => Promise<SyncFunctionsDeps>): StorageQueueHandler {
  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const { deps, attempt, log, message, worker } = await startQueueInvocation(
      entry,
      context,
      getDeps,
      parseSchoolSyncMessage,
    );
    const outcome = await processSchoolMessage(message, attempt, { ...worker, sync: deps.sync });
    if (outcome.action === 'synced') {
      log.info(
        { runId: message.runId, schoolId: message.schoolId, status: outcome.result.status },
        'queued school synced',
      );
    }
  };
}

export const syncQueueHandler = createSyncQueueHandler(syncFunctionsDeps);

registerStorageQueue('SyncQueueFunction', {
  // A literal name: a `%SYNC_QUEUE_NAME%` binding expression fails indexing when the setting is unset.
  queueName: registrationSettings().queueName,
  connection: 'AzureWebJobsStorage',
  handler: syncQueueHandler,
});
