/**
 * The sending side of the scale-out mode: one message per school on an Azure Storage queue that the
 * `SyncQueueFunction` trigger drains, so the Functions host spreads schools across instances.
 */
import type { TokenCredential } from '@azure/identity';
import { type QueueClient, QueueServiceClient, type StoragePipelineOptions } from '@azure/storage-queue';
import pLimit from 'p-limit';
import { AppError } from '../errors.js';
import { encodeSchoolSyncMessage, type SchoolSyncMessage } from './queue-message.js';

export interface SchoolQueue {
  readonly name: string;
  send(messages: SchoolSyncMessage[]): Promise<void>;
}

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
    'SYNC_DISPATCH_MODE=queue needs the Functions storage account: set AzureWebJobsStorage (connection string) or AzureWebJobsStorage__queueServiceUri (managed identity)',
    { httpStatus: 500 },
  );
}

/** Messages go out a few at a time: enough to enqueue hundreds of schools quickly, not a burst of sockets. */
const SEND_CONCURRENCY = 8;

export function createSchoolQueue(client: QueueClient): SchoolQueue {
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
              await client.sendMessage(encodeSchoolSyncMessage(message));
            } catch (error) {
              throw wrap(error, `could not enqueue school ${message.schoolId}`);
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
