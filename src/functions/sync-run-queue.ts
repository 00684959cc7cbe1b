import type { InvocationContext, StorageQueueHandler } from '@azure/functions';
import { ValidationError } from '../errors.js';
import { parseRunMessage } from '../runs/run-message.js';
import { processRunMessage } from '../runs/run-worker.js';
import { trackRunCompleted } from '../telemetry/sync-events.js';
import { registrationSettings } from './registration-settings.js';
import { registerStorageQueue } from './registry.js';
import { type SyncFunctionsDeps, syncFunctionsDeps } from './sync-deps.js';
import { MAX_DEQUEUE_COUNT } from './sync-queue.js';

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
    const deps = await getDeps();
    const attempt = Number(context.triggerMetadata?.dequeueCount ?? 1);
    const log = deps.logger.child({ invocationId: context.invocationId, functionName: context.functionName });
    let message: ReturnType<typeof parseRunMessage>;
    try {
      message = parseRunMessage(entry);
    } catch (error) {
      if (error instanceof ValidationError) log.error({ problems: error.details.problems }, error.message);
      throw error;
    }
    // The run's outcome is recorded (SyncRun, SyncHistory, CleverSyncRunCompleted) and logged by the
    // worker; a run that ran and failed is not thrown, or the host would deliver the message again.
    await processRunMessage(message, attempt, {
      sync: deps.sync,
      session: deps.session,
      leaseSeconds: deps.config.sync.leaseSeconds,
      maxDequeueCount: MAX_DEQUEUE_COUNT,
      logger: log,
      onRunCompleted: (run) => trackRunCompleted(deps.app.telemetry, run),
    });
  };
}

export const syncRunQueueHandler = createSyncRunQueueHandler(syncFunctionsDeps);

registerStorageQueue('SyncRunQueueFunction', {
  // A literal name: a `%SYNC_RUN_QUEUE_NAME%` binding expression fails indexing when the setting is unset.
  queueName: registrationSettings().runQueueName,
  connection: 'AzureWebJobsStorage',
  handler: syncRunQueueHandler,
});
