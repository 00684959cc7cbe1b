/**
 * The queued dispatch modes on real Azurite: the stack's app and databases with SYNC_DISPATCH_MODE
 * switched, and the queues read the way the Functions host would (base64 JSON, parsed).
 */
import type { QueueClient } from '@azure/storage-queue';
import { createSyncServices } from '../../../src/app.js';
import type { AppConfig } from '../../../src/config/index.js';
import type { SyncFunctionsDeps } from '../../../src/functions/sync-deps.js';
import { decodeQueueText } from '../../../src/runs/queue-message.js';
import { createQueueClient } from '../../../src/runs/school-queue.js';
import type { AzuriteQueue } from './azurite.js';
import type { Stack } from './stack.js';

export interface QueuedServices {
  deps: SyncFunctionsDeps;
  schoolQueue: QueueClient;
  runQueue: QueueClient;
}

export async function queuedServices(
  stack: Stack,
  azurite: AzuriteQueue,
  sync: Pick<AppConfig['sync'], 'dispatchMode' | 'queueName' | 'runQueueName'>,
): Promise<QueuedServices> {
  const config = {
    ...stack.app.config,
    sync: { ...stack.app.config.sync, ...sync },
    hostStorage: { connectionString: azurite.connectionString, queueServiceUri: undefined },
  };
  const deps = { ...(await createSyncServices({ ...stack.app, config })), waitBudgetMs: 0 };
  const client = (queueName: string) =>
    createQueueClient({ queueName, connectionString: azurite.connectionString });
  const schoolQueue = client(sync.queueName);
  const runQueue = client(sync.runQueueName);
  await schoolQueue.createIfNotExists();
  await runQueue.createIfNotExists();
  return { deps, schoolQueue, runQueue };
}

/** Receives and deletes every visible message, decoded as the host hands them to a function. */
export async function receiveAll<T>(queue: QueueClient): Promise<{ message: T; text: string }[]> {
  const { receivedMessageItems } = await queue.receiveMessages({
    numberOfMessages: 32,
    visibilityTimeout: 1,
  });
  for (const item of receivedMessageItems) await queue.deleteMessage(item.messageId, item.popReceipt);
  return receivedMessageItems.map((item) => ({
    message: decodeQueueText(item.messageText) as T,
    text: item.messageText,
  }));
}

/** The one message on the queue (and nothing else), received and deleted. */
export async function onlyMessage<T>(queue: QueueClient): Promise<T> {
  const messages = await receiveAll<T>(queue);
  if (messages.length !== 1)
    throw new Error(`expected one message on ${queue.name}, found ${messages.length}`);
  return messages[0]!.message;
}
