/**
 * A SyncHistory start whose insert committed but whose answer was lost (the connection cut
 * mid-reply) is retried without leaving the first row Running beside a second one: a Running row
 * nobody completes reads as a crash and breaks "no row left Running".
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSessionPrismaClient } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { createDatabaseRunner } from '../../src/db/retry.js';
import { historyRepository } from '../../src/db/session/history.js';
import { createCapturingLogger } from '../../src/telemetry/index.js';
import { tempDir } from './support.js';

const ZERO = { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };

describe('SyncHistory start after a lost answer', () => {
  it('finds the row its first attempt committed instead of inserting another', async () => {
    const temp = tempDir();
    const { logger } = createCapturingLogger('warn');
    const url = `file:${join(temp.dir, 'session.db')}`;
    await applyMigrations({ url, database: 'session' });
    const client = await createSessionPrismaClient(url, { logger });
    try {
      let lost = 0;
      // The network edge: the first insert reaches the database, its answer does not.
      const flaky = new Proxy(client, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== 'syncHistory') return value;
          return new Proxy(value, {
            get(history, method, historyReceiver) {
              const original = Reflect.get(history, method, historyReceiver);
              if (method !== 'create') return original;
              return async (...args: unknown[]) => {
                const created = await original.apply(history, args);
                if (lost++ === 0) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
                return created;
              };
            },
          });
        },
      }) as typeof client;
      const run = createDatabaseRunner({ provider: 'sqlite', logger, retryCount: 3, initialDelayMs: 1 });
      const history = historyRepository(flaky, run);
      const started = await history.start({
        runId: 'run-lost-answer',
        districtId: 1,
        schoolId: 2,
        entity: 'students',
        syncType: 'Full',
        trigger: 'test',
        startedAt: new Date('2026-12-02T03:00:00.123Z'),
        lastSyncTimestamp: null,
        eventCursor: null,
        counts: ZERO,
      });
      expect(lost).toBe(1);
      const rows = await history.list({ runId: 'run-lost-answer' });
      expect(rows.map((row) => row.id)).toEqual([started.id]);
      await history.complete(started.id, { status: 'Succeeded', counts: ZERO, completedAt: new Date() });
      expect((await history.list({ runId: 'run-lost-answer' })).map((row) => row.status)).toEqual([
        'Succeeded',
      ]);
    } finally {
      await client.$disconnect();
      temp.cleanup();
    }
  });
});
