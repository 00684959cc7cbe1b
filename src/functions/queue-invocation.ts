import type { InvocationContext } from '@azure/functions';
import { ValidationError } from '../errors.js';
import type { QueueInvocationDeps } from '../runs/index.js';
import type { Logger } from '../telemetry/index.js';
import type { SyncFunctionsDeps } from './sync-deps.js';

/** host.json `extensions.queues.maxDequeueCount`, mirrored so the handlers know their last attempt. */
export const MAX_DEQUEUE_COUNT = 5;

export interface QueueInvocation<T> {
  deps: SyncFunctionsDeps;
  /** The host's delivery count of this message (1 on the first delivery). */
  attempt: number;
  log: Logger;
  message: T;
  /** What the queue workers of src/runs need, bound to this invocation (its logger, the host's attempts). */
  worker: QueueInvocationDeps;
}

/**
 * What both queue triggers do first: build (or reuse) the services, read the delivery attempt and
 * parse the message. A malformed message is logged with its problems and thrown: it can never
 * succeed, and the host retries it, then moves it to the poison queue.
 */
export async function startQueueInvocation<T>(
  entry: unknown,
  context: InvocationContext,
  getDeps: () => Promise<SyncFunctionsDeps>,
  parse: (entry: unknown) => T,
): Promise<QueueInvocation<T>> {
  const deps = await getDeps();
  const attempt = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const log = deps.logger.child({ invocationId: context.invocationId, functionName: context.functionName });
  const worker: QueueInvocationDeps = {
    session: deps.session,
    leaseSeconds: deps.config.sync.leaseSeconds,
    maxDequeueCount: MAX_DEQUEUE_COUNT,
    logger: log,
    onRunCompleted: deps.onRunCompleted,
  };
  try {
    return { deps, attempt, log, message: parse(entry), worker };
  } catch (error) {
    if (error instanceof ValidationError) log.error({ problems: error.details.problems }, error.message);
    throw error;
  }
}
