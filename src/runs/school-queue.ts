/**
 * The sending side of the queued modes: JSON messages on an Azure Storage queue of the Functions
 * host's storage account. One per school on SYNC_QUEUE_NAME (`SyncQueueFunction` drains it, so the
 * host spreads schools across instances) or one per run on SYNC_RUN_QUEUE_NAME (`SyncRunQueueFunction`).
 */
import type { TokenCredential } from '@azure/identity';
import { type QueueClient, QueueServiceClient, type StoragePipelineOptions } from '@azure/storage-queue';
import pLimit from 'p-limit';
import { AppError } from '../errors.js';
import { encodeQueueMessage, type SchoolSyncMessage } from './queue-message.js';
import type { RunMessage } from './run-message.js';

export interface MessageQueue<T> {
  readonly name: string;
  send(messages: T[]): Promise<void>;
}

export type SchoolQueue = MessageQueue<SchoolSyncMessage>;
export type RunQueue = MessageQueue<RunMessage>;

/** Where the queue lives: the Functions storage account (connection string, or URI + identity). */
export interface SchoolQueueLocation {
  queueName: string;
  /** `AzureWebJobsStorage` connection string (local: Azurite). */
  connectionString?: string | undefined;
  /** `AzureWebJobsStorage__queueServiceUri` for identity-based connections in Azure. */
  queueServiceUri?: string | undefined;
}

export function createQueueClient(
  location: SchoolQueueLocation,
  credential?: () => TokenCredential,
  pipeline: StoragePipelineOptions = {},
): QueueClient {
  if (location.connectionString) {
    return QueueServiceClient.fromConnectionString(location.connectionString, pipeline).getQueueClient(
      location.queueName,
    );
  }
  if (location.queueServiceUri && credential) {
    return new QueueServiceClient(location.queueServiceUri, credential(), pipeline).getQueueClient(
      location.queueName,
    );
  }
  throw new AppError(
    'CONFIG_INVALID',
    `SYNC_DISPATCH_MODE=queued-run or queue needs the Functions storage account: set AzureWebJobsStorage (connection string) or AzureWebJobsStorage__queueServiceUri (managed identity)`,
    { httpStatus: 500 },
  );
}

/** Messages go out a few at a time: enough to enqueue hundreds of schools quickly, not a burst of sockets. */
const SEND_CONCURRENCY = 8;

export function createSchoolQueue(client: QueueClient): SchoolQueue {
  return createMessageQueue(client, (message) => `school ${message.schoolId}`);
}

export function createRunQueue(client: QueueClient): RunQueue {
  return createMessageQueue(client, (message) => `run ${message.runId}`);
}

/** `describe` names a message in an error (`could not enqueue school 12`): ids only. */
function createMessageQueue<T extends object>(
  client: QueueClient,
  describe: (message: T) => string,
): MessageQueue<T> {
  let ensured: Promise<unknown> | undefined;
  return {
    name: client.name,
    async send(messages) {
      ensured ??= client.createIfNotExists().catch((error: unknown) => {
        ensured = undefined;
        throw wrap(error, 'could not create the sync queue');
      });
      await ensured;
      const limit = pLimit(SEND_CONCURRENCY);
      await Promise.all(
        messages.map((message) =>
          limit(async () => {
            try {
              await client.sendMessage(encodeQueueMessage(message));
            } catch (error) {
              throw wrap(error, `could not enqueue ${describe(message)}`);
            }
          }),
        ),
      );
    },
  };
}

/** Azure SDK errors carry the request (with its Authorization/SAS): keep only the status code. */
function wrap(error: unknown, message: string): AppError {
  const status = (error as { statusCode?: unknown }).statusCode;
  return new AppError(
    'INTERNAL',
    `Storage queue: ${message}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`,
    {
      httpStatus: 503,
      transient: true,
      details: typeof status === 'number' ? { storageStatus: status } : {},
    },
  );
}
