import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeQueueText,
  parseSchoolSyncMessage,
  type SchoolSyncMessage,
} from '../../src/runs/queue-message.js';
import { createQueueClient, createSchoolQueue } from '../../src/runs/school-queue.js';
import { type AzuriteQueue, startAzuriteQueue } from './support/azurite.js';

function message(schoolId: number): SchoolSyncMessage {
  return {
    v: 1,
    runId: 'run-0123456789',
    schoolId,
    full: false,
    dryRun: false,
    force: false,
    requestedBy: 'timer',
    enqueuedAt: new Date('2025-01-01T02:00:00Z').toISOString(),
  };
}

describe('school sync queue against Azurite', () => {
  let azurite: AzuriteQueue;
  beforeAll(async () => {
    azurite = await startAzuriteQueue();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('creates the queue on first use and sends one base64 JSON message per school', async () => {
    const client = createQueueClient({
      queueName: 'sync-roundtrip',
      connectionString: azurite.connectionString,
    });
    const queue = createSchoolQueue(client);
    await queue.send([message(1), message(2), message(3)]);
    await queue.send([message(4)]);

    const received = await client.receiveMessages({ numberOfMessages: 32 });
    const bodies = received.receivedMessageItems.map((item) =>
      parseSchoolSyncMessage(decodeQueueText(item.messageText)),
    );
    expect(bodies.map((b) => b.schoolId).sort()).toEqual([1, 2, 3, 4]);
    expect(bodies[0]).toMatchObject({ v: 1, runId: 'run-0123456789', requestedBy: 'timer' });
    // What the Functions host does with base64 text: plain JSON after decoding.
    expect(() => JSON.parse(received.receivedMessageItems[0]?.messageText ?? '')).toThrow();
  });

  it('names the setting to fix when no storage account is configured', () => {
    expect(() => createQueueClient({ queueName: 'q' })).toThrow(/AzureWebJobsStorage/);
  });

  it('reports an unreachable account without the account key or the URL credentials', async () => {
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const broken = azurite.connectionString.replace(
      /QueueEndpoint=[^;]+/,
      'QueueEndpoint=http://127.0.0.1:9/devstoreaccount1',
    );
    const queue = createSchoolQueue(
      createQueueClient({ queueName: 'unreachable', connectionString: broken }, undefined, {
        retryOptions: { maxTries: 1 },
      }),
    );
    const error = await queue.send([message(1)]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/Storage queue: could not create the sync queue/);
    expect(JSON.stringify(error)).not.toMatch(/AccountKey|Eby8/);
    expect(service.accountName).toBe('devstoreaccount1');
  });
});

describe('school sync message', () => {
  it('accepts the JSON the host hands over, parsed or as text', () => {
    expect(parseSchoolSyncMessage(message(7)).schoolId).toBe(7);
    expect(parseSchoolSyncMessage(JSON.stringify(message(8))).schoolId).toBe(8);
  });

  it('rejects malformed messages with the fields that are wrong', () => {
    expect(() => parseSchoolSyncMessage('not json')).toThrow(/not JSON/);
    expect(() => parseSchoolSyncMessage({ ...message(1), schoolId: -1 })).toThrow(/schoolId/);
    expect(() => parseSchoolSyncMessage({ ...message(1), v: 2 })).toThrow(/v:/);
  });
});
