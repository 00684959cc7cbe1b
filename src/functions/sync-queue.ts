import type { InvocationContext, StorageQueueHandler } from '@azure/functions';
import { ValidationError } from '../errors.js';
import { parseSchoolSyncMessage } from '../runs/queue-message.js';
import { processSchoolMessage } from '../runs/queue-worker.js';
import { trackRunCompleted } from '../telemetry/sync-events.js';
import { registrationSettings } from './registration-settings.js';
import { registerStorageQueue } from './registry.js';
import { type SyncFunctionsDeps, syncFunctionsDeps } from './sync-deps.js';

/** host.json `extensions.queues.maxDequeueCount`, mirrored so the handler knows its last attempt. */
export const MAX_DEQUEUE_COUNT = 5;

/**
 * Scale-out mode (SYNC_DISPATCH_MODE=queue): one message per school, one school per invocation.
 * Throwing hands the message back to the host, which retries it and after `maxDequeueCount`
 * attempts moves it to `<queue>-poison`: a malformed message (cheap to retry, never succeeds) and
 * a school sync that could not start (e.g. SessionDb down). See src/runs/queue-worker.ts.
 */
export function createSyncQueueHandler(getDeps: () => Promise<SyncFunctionsDeps>): StorageQueueHandler {
  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const deps = await getDeps();
    const attempt = Number(context.triggerMetadata?.dequeueCount ?? 1);
    const log = deps.logger.child({ invocationId: context.invocationId, functionName: context.functionName });
    let message: ReturnType<typeof parseSchoolSyncMessage>;
    try {
      message = parseSchoolSyncMessage(entry);
    } catch (error) {
      if (error instanceof ValidationError) log.error({ problems: error.details.problems }, error.message);
      throw error;
    }
    const outcome = await processSchoolMessage(message, attempt, {
      sync: deps.sync,
      session: deps.session,
      leaseSeconds: deps.config.sync.leaseSeconds,
      maxDequeueCount: MAX_DEQUEUE_COUNT,
      logger: log,
      onRunCompleted: (run) => trackRunCompleted(deps.app.telemetry, run),
    });
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
