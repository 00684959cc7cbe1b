import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionRepository } from '../../src/db/session/repository.js';
import type { SessionRepository } from '../../src/db/types.js';
import type { SyncCounts } from '../../src/domain/index.js';
import {
  createPostgresSchema,
  createSqlServerDatabase,
  postgresAvailable,
  sqlserverAvailable,
  tempDir,
} from './support.js';

const ZERO: SyncCounts = {
  processed: 0,
  created: 0,
  updated: 0,
  archived: 0,
  restored: 0,
  failed: 0,
  invalid: 0,
};

interface Target {
  name: string;
  skip: boolean;
  open: (now: () => Date) => Promise<{ repo: SessionRepository; cleanup: () => Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'sqlite',
    skip: false,
    open: async (now) => {
      const temp = tempDir();
      // The embedded default: created and migrated on first open.
      const repo = await createSessionRepository(`file:${join(temp.dir, 'nested', 'session.db')}`, { now });
      return { repo, cleanup: async () => temp.cleanup() };
    },
  },
  {
    name: 'postgresql',
    skip: !postgresAvailable,
    open: async (now) => {
      const schema = await createPostgresSchema();
      const repo = await createSessionRepository(schema.url, { migrate: 'always', now });
      return { repo, cleanup: schema.drop };
    },
  },
  {
    name: 'sqlserver',
    skip: !sqlserverAvailable,
    open: async (now) => {
      const database = await createSqlServerDatabase();
      const repo = await createSessionRepository(database.url, { migrate: 'always', now });
      return { repo, cleanup: database.drop };
    },
  },
];

describe.each(targets)('SessionDb repository on $name', (target) => {
  let repo: SessionRepository;
  let cleanup: () => Promise<void>;
  let clock = new Date(Date.UTC(2025, 0, 1, 12));
  beforeAll(async () => {
    if (target.skip) return;
    ({ repo, cleanup } = await target.open(() => clock));
  });
  afterAll(async () => {
    await repo?.close();
    await cleanup?.();
  });

  it.skipIf(target.skip)('upserts districts and keeps unspecified fields', async () => {
    const created = await repo.districts.upsert({
      cleverDistrictId: 'd1',
      name: 'One',
      cleverState: 'success',
    });
    expect(created).toMatchObject({
      cleverDistrictId: 'd1',
      name: 'One',
      cleverState: 'success',
      isActive: true,
    });
    const renamed = await repo.districts.upsert({ cleverDistrictId: 'd1', name: 'One renamed' });
    expect(renamed).toMatchObject({ id: created.id, name: 'One renamed', cleverState: 'success' });
    const takenAt = new Date(Date.UTC(2025, 1, 2, 3, 4, 5, 678));
    await repo.districts.setEventsCursor(created.id, 'evt-9', takenAt);
    await repo.districts.setActive(created.id, false);
    expect(await repo.districts.findByCleverId('d1')).toMatchObject({
      eventsCursor: 'evt-9',
      eventsCursorTakenAt: takenAt,
      isActive: false,
    });
    expect(await repo.districts.list({ activeOnly: true })).toEqual([]);
    expect((await repo.districts.list()).map((district) => district.id)).toEqual([created.id]);
    expect(await repo.districts.findById(999_999)).toBeNull();
  });

  it.skipIf(target.skip)(
    'upserts schools: created, updated only on change, restored after archive',
    async () => {
      const district = await repo.districts.upsert({ cleverDistrictId: 'd2', name: 'Two' });
      const schools = [
        {
          cleverSchoolId: 's1',
          name: 'North',
          lowGrade: '1',
          cleverLastModified: new Date(Date.UTC(2025, 0, 1)),
        },
        { cleverSchoolId: 's2', name: 'South' },
        { cleverSchoolId: 's3', name: 'East' },
      ];
      const first = await repo.schools.upsertMany(district.id, schools);
      expect(first).toMatchObject({ created: 3, updated: 0, restored: 0 });
      expect(first.records.map((school) => school.requiresFullSync)).toEqual([true, true, true]);

      const same = await repo.schools.upsertMany(district.id, [
        { ...schools[0]!, cleverLastModified: new Date(Date.UTC(2025, 0, 1)) },
        ...schools.slice(1),
      ]);
      expect(same).toMatchObject({ created: 0, updated: 0, restored: 0 });
      expect(same.records).toHaveLength(3);

      expect(await repo.schools.archiveMissing(district.id, ['s1', 's2'], clock)).toBe(1);
      const archived = await repo.schools.findByCleverId('s3');
      expect(archived).toMatchObject({ isActive: false, archivedAt: clock });
      expect(
        (await repo.schools.list({ districtId: district.id, activeOnly: true })).map((s) => s.cleverSchoolId),
      ).toEqual(['s1', 's2']);

      const again = await repo.schools.upsertMany(district.id, [
        { cleverSchoolId: 's2', name: 'South High' },
        schools[2]!,
      ]);
      expect(again).toMatchObject({ created: 0, updated: 1, restored: 1 });
      expect(await repo.schools.findByCleverId('s3')).toMatchObject({ isActive: true, archivedAt: null });
    },
  );

  it.skipIf(target.skip)('tracks school failures, success and database location', async () => {
    const district = await repo.districts.upsert({ cleverDistrictId: 'd3', name: 'Three' });
    const [school] = (await repo.schools.upsertMany(district.id, [{ cleverSchoolId: 's9', name: 'Nine' }]))
      .records;
    const id = school!.id;
    expect(await repo.schools.recordFailure(id)).toBe(1);
    expect(await repo.schools.recordFailure(id)).toBe(2);
    await repo.schools.recordSuccess(id, clock);
    expect(await repo.schools.findById(id)).toMatchObject({
      consecutiveFailures: 0,
      lastSuccessfulSyncAt: clock,
      requiresFullSync: false,
    });
    await repo.schools.setRequiresFullSync(id, true);
    await repo.schools.setEventsCursor(id, 'evt-1');
    await repo.schools.setDatabase(id, {
      databaseName: 'school_s9',
      connectionSecretName: 'school-database-url-s9',
    });
    expect(await repo.schools.findById(id)).toMatchObject({
      requiresFullSync: true,
      eventsCursor: 'evt-1',
      databaseName: 'school_s9',
      connectionSecretName: 'school-database-url-s9',
    });
    // Success and the new cursor in one write; without a cursor the cursor stays.
    await repo.schools.recordSuccess(id, clock, 'evt-2');
    expect(await repo.schools.findById(id)).toMatchObject({ requiresFullSync: false, eventsCursor: 'evt-2' });
    await repo.schools.recordSuccess(id, clock);
    expect(await repo.schools.findById(id)).toMatchObject({ eventsCursor: 'evt-2' });
    await expect(repo.schools.recordFailure(987_654)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.skipIf(target.skip)(
    'writes sync history and finds the last successful run per school and entity',
    async () => {
      const base = {
        runId: 'run-h1',
        districtId: 1,
        schoolId: 42,
        entity: 'students' as const,
        syncType: 'Full' as const,
        trigger: 'test' as const,
        lastSyncTimestamp: null,
        eventCursor: null,
      };
      const older = await repo.history.start({ ...base, startedAt: new Date(Date.UTC(2025, 0, 1)) });
      expect(older).toMatchObject({ status: 'Running', counts: ZERO, completedAt: null });
      const counts = { ...ZERO, processed: 10, created: 7, updated: 3 };
      await repo.history.complete(older.id, {
        status: 'Succeeded',
        counts,
        completedAt: new Date(Date.UTC(2025, 0, 1, 1)),
      });
      const newer = await repo.history.start({
        ...base,
        runId: 'run-h2',
        startedAt: new Date(Date.UTC(2025, 0, 2)),
      });
      await repo.history.complete(newer.id, {
        status: 'Failed',
        counts: ZERO,
        completedAt: new Date(Date.UTC(2025, 0, 2, 1)),
        errorSummary: 'Clever 503',
      });
      expect(await repo.history.lastSuccessful(42, 'students')).toMatchObject({
        id: older.id,
        counts,
        status: 'Succeeded',
      });
      expect(await repo.history.lastSuccessful(42, 'teachers')).toBeNull();
      expect((await repo.history.list({ schoolId: 42 })).map((row) => row.runId)).toEqual([
        'run-h2',
        'run-h1',
      ]);
      expect(await repo.history.list({ runId: 'run-h2' })).toEqual([
        expect.objectContaining({ errorSummary: 'Clever 503' }),
      ]);
      expect((await repo.history.list({ schoolId: 42, status: 'Failed' })).map((row) => row.runId)).toEqual([
        'run-h2',
      ]);

      const stuck = await repo.history.start({
        ...base,
        runId: 'run-h3',
        startedAt: new Date(Date.UTC(2025, 0, 3)),
      });
      expect((await repo.history.list({ status: 'Running' })).map((row) => row.id)).toEqual([stuck.id]);
      expect(await repo.history.abandonRunning(new Date(Date.UTC(2025, 0, 4)), clock)).toBe(1);
      expect((await repo.history.list({ runId: 'run-h3' }))[0]).toMatchObject({
        id: stuck.id,
        status: 'Abandoned',
        completedAt: clock,
      });
    },
  );

  it.skipIf(target.skip)('creates, updates and lists sync runs', async () => {
    const run = await repo.runs.create({
      runId: 'run-r1',
      scope: 'district',
      scopeId: 7,
      trigger: 'http',
      full: true,
      dryRun: false,
      status: 'Running',
      startedAt: new Date(Date.UTC(2025, 2, 1)),
      schoolsTotal: 3,
      schoolsCompleted: 0,
      schoolsFailed: 0,
      counts: ZERO,
    });
    expect(run).toMatchObject({ runId: 'run-r1', completedAt: null, summaryJson: null, counts: ZERO });
    await repo.runs.update('run-r1', {
      status: 'PartiallySucceeded',
      schoolsCompleted: 2,
      schoolsFailed: 1,
      counts: { ...ZERO, processed: 5 },
      completedAt: new Date(Date.UTC(2025, 2, 1, 1)),
      summaryJson: '{"schools":[]}',
    });
    expect(await repo.runs.get('run-r1')).toMatchObject({
      status: 'PartiallySucceeded',
      schoolsFailed: 1,
      counts: { ...ZERO, processed: 5 },
      summaryJson: '{"schools":[]}',
    });
    expect(await repo.runs.get('missing')).toBeNull();
    await repo.runs.create({
      ...run,
      runId: 'run-r2',
      status: 'Running',
      startedAt: new Date(Date.UTC(2025, 2, 2)),
    });
    expect((await repo.runs.listRecent(1)).map((row) => row.runId)).toEqual(['run-r2']);
    expect(await repo.runs.abandonRunning(new Date(Date.UTC(2025, 2, 3)), clock)).toBe(1);
    expect(await repo.runs.get('run-r2')).toMatchObject({ status: 'Abandoned' });
  });

  it.skipIf(target.skip)(
    'grants a lease to one holder at a time until it expires or is released',
    async () => {
      clock = new Date(Date.UTC(2025, 5, 1, 0, 0, 0));
      expect(await repo.leases.tryAcquire('school:1', 'worker-a', 60)).toEqual({
        acquired: true,
        expiresAt: new Date(clock.getTime() + 60_000),
      });
      expect(await repo.leases.tryAcquire('school:1', 'worker-b', 60)).toMatchObject({
        acquired: false,
        holder: 'worker-a',
      });
      expect(await repo.leases.renew('school:1', 'worker-b', 60)).toBe(false);
      expect(await repo.leases.renew('school:1', 'worker-a', 120)).toBe(true);

      clock = new Date(clock.getTime() + 121_000);
      expect(await repo.leases.tryAcquire('school:1', 'worker-b', 60)).toMatchObject({ acquired: true });
      await repo.leases.release('school:1', 'worker-a'); // not the holder any more: no effect
      expect(await repo.leases.tryAcquire('school:1', 'worker-a', 60)).toMatchObject({
        acquired: false,
        holder: 'worker-b',
      });
      await repo.leases.release('school:1', 'worker-b');
      expect(await repo.leases.tryAcquire('school:1', 'worker-a', 60)).toMatchObject({ acquired: true });
    },
  );

  it.skipIf(target.skip)('answers ping', async () => {
    await expect(repo.ping()).resolves.toBeUndefined();
  });
});

describe('SessionDb start-up', () => {
  it('fails with DATABASE_UNAVAILABLE, without the URL, when the server is unreachable', async () => {
    const url = 'postgresql://app:Sup3rSecretPw@127.0.0.1:1/session';
    const error = await createSessionRepository(url, { retryCount: 0 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: expect.stringMatching(/^DATABASE_(UNAVAILABLE|ERROR)$/) });
    expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain('Sup3rSecretPw');
    expect((error as Error).message).not.toContain('Sup3rSecretPw');
  });
});
