import type { SessionPrismaClient } from '../client.js';
import type { DatabaseRunner } from '../retry.js';
import type { SessionRepository, SyncRunRecord } from '../types.js';
import { countsToColumns, toSyncHistoryRecord, toSyncRunRecord } from './mappers.js';

/**
 * What abandoning means for sync_history and sync_runs alike: rows still Running that started
 * before `startedBefore` (their worker died) become Abandoned, completed at `at`.
 */
function abandonRunning(startedBefore: Date, at: Date) {
  return {
    where: { status: 'Running', startedAt: { lt: startedBefore } },
    data: { status: 'Abandoned', completedAt: at },
  };
}

export function historyRepository(
  client: SessionPrismaClient,
  run: DatabaseRunner,
): SessionRepository['history'] {
  return {
    async start(row) {
      // Which piece of which run the row records: what a retry looks the row up by.
      const piece = {
        runId: row.runId,
        districtId: row.districtId,
        schoolId: row.schoolId,
        entity: row.entity,
        syncType: row.syncType,
        startedAt: row.startedAt,
      };
      let attempts = 0;
      const created = await run('start sync history', async () => {
        // A retried insert whose first attempt committed but lost its answer (a connection cut
        // mid-reply) must not leave that first row Running forever beside a second one: a retry
        // looks for the row before inserting it (a piece of a run starts once per instant).
        attempts += 1;
        const existing =
          attempts === 1
            ? null
            : await client.syncHistory.findFirst({
                where: { ...piece, status: 'Running' },
              });
        if (existing) return existing;
        return client.syncHistory.create({
          data: {
            ...piece,
            status: 'Running',
            trigger: row.trigger,
            lastSyncTimestamp: row.lastSyncTimestamp,
            eventCursor: row.eventCursor,
            ...countsToColumns(row.counts),
          },
        });
      });
      return toSyncHistoryRecord(created);
    },
    async complete(id, outcome) {
      await run('complete sync history', () =>
        client.syncHistory.update({
          where: { id },
          data: {
            status: outcome.status,
            completedAt: outcome.completedAt,
            ...countsToColumns(outcome.counts),
            eventCursor: outcome.eventCursor,
            lastSyncTimestamp: outcome.lastSyncTimestamp,
            errorSummary: outcome.errorSummary,
            warningsJson: outcome.warningsJson,
          },
        }),
      );
    },
    async lastSuccessful(schoolId, entity) {
      const row = await run('read sync history', () =>
        client.syncHistory.findFirst({
          where: { schoolId, entity, status: { in: ['Succeeded', 'PartiallySucceeded'] } },
          orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        }),
      );
      return row ? toSyncHistoryRecord(row) : null;
    },
    async list(options) {
      const rows = await run('read sync history', () =>
        client.syncHistory.findMany({
          where: {
            ...(options.runId === undefined ? {} : { runId: options.runId }),
            ...(options.schoolId === undefined ? {} : { schoolId: options.schoolId }),
            ...(options.districtId === undefined ? {} : { districtId: options.districtId }),
            ...(options.entity === undefined ? {} : { entity: options.entity }),
            ...(options.status === undefined ? {} : { status: options.status }),
          },
          orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
          take: options.limit ?? 100,
        }),
      );
      return rows.map(toSyncHistoryRecord);
    },
    async abandonRunning(startedBefore, at) {
      const { count } = await run('abandon sync history', () =>
        client.syncHistory.updateMany(abandonRunning(startedBefore, at)),
      );
      return count;
    },
  };
}

type RunPatch = Partial<Omit<SyncRunRecord, 'runId'>>;

function runPatchColumns(patch: RunPatch) {
  const { counts, ...rest } = patch;
  return { ...rest, ...countsToColumns(counts) };
}

export function runsRepository(client: SessionPrismaClient, run: DatabaseRunner): SessionRepository['runs'] {
  return {
    async create(record) {
      const { counts, ...fields } = record;
      const created = await run('create sync run', () =>
        client.syncRun.create({ data: { ...fields, ...countsToColumns(counts) } }),
      );
      return toSyncRunRecord(created);
    },
    async update(runId, patch) {
      await run('update sync run', () =>
        client.syncRun.update({ where: { runId }, data: runPatchColumns(patch) }),
      );
    },
    async get(runId) {
      const row = await run('read sync run', () => client.syncRun.findUnique({ where: { runId } }));
      return row ? toSyncRunRecord(row) : null;
    },
    async listRecent(limit) {
      const rows = await run('read sync runs', () =>
        client.syncRun.findMany({ orderBy: [{ startedAt: 'desc' }, { runId: 'desc' }], take: limit }),
      );
      return rows.map(toSyncRunRecord);
    },
    async abandonRunning(startedBefore, at) {
      const { count } = await run('abandon sync runs', () =>
        client.syncRun.updateMany(abandonRunning(startedBefore, at)),
      );
      return count;
    },
  };
}
