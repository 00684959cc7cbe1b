import { describe, expect, it } from 'vitest';
import type { CleverSchool } from '../../src/clever/api/types.js';
import { CleverApiError } from '../../src/clever/http/errors.js';
import type { SyncTrigger } from '../../src/domain/index.js';
import { createSyncLauncher } from '../../src/runs/launcher.js';
import { createQueueFanOut } from '../../src/runs/queue-fan-out.js';
import type { SchoolSyncMessage } from '../../src/runs/queue-message.js';
import { processSchoolMessage } from '../../src/runs/queue-worker.js';
import { createRunDispatcher } from '../../src/runs/run-dispatch.js';
import type { RunMessage } from '../../src/runs/run-message.js';
import { processRunMessage } from '../../src/runs/run-worker.js';
import type { SyncRequest } from '../../src/runs/sync-request.js';
import { leaseKeys } from '../../src/sync/index.js';
import type { SyncRunCompletion, SyncTarget } from '../../src/sync/types.js';
import { createCapturingLogger } from '../../src/telemetry/index.js';
import { changedDistrict, type FakeWorld, fakeWorld } from '../sync/support/harness.js';

/**
 * The queue mode's sending side on the in-memory fakes: the fan-out refreshes the school lists
 * through the engine before it enqueues, and the worker completes the run from the messages.
 */
function queueMode(w: FakeWorld) {
  const sent: SchoolSyncMessage[] = [];
  const completed: SyncRunCompletion[] = [];
  const { logger, lines } = createCapturingLogger('info');
  const fanOut = createQueueFanOut({
    sync: w.service,
    session: w.session,
    queue: { name: 'test-queue', send: async (messages) => void sent.push(...messages) },
    leaseSeconds: 600,
    logger,
    onRunCompleted: (run) => void completed.push(run),
    clock: () => w.clock.now,
  });
  const request = (target: SyncTarget, flags: Partial<SyncRequest> = {}): SyncRequest => ({
    target,
    full: false,
    dryRun: false,
    force: false,
    ...flags,
  });
  const start = (target: SyncTarget, flags: Partial<SyncRequest> = {}, trigger: SyncTrigger = 'http') =>
    fanOut.start(request(target, flags), trigger);
  /** Delivers every sent message once, as the queue trigger would, and empties the queue. */
  const drain = async () => {
    for (const message of sent.splice(0)) {
      await processSchoolMessage(message, 1, {
        sync: w.service,
        session: w.session,
        leaseSeconds: 600,
        maxDequeueCount: 5,
        logger,
        clock: () => w.clock.now,
      });
    }
  };
  return { fanOut, sent, completed, lines, start, drain };
}

describe('queue fan-out', () => {
  it('refreshes the school lists before enqueueing: a new school is queued and synced, an unshared one is not', async () => {
    const { w, removed, added } = await changedDistrict();
    const q = queueMode(w);
    const queued = await q.start({ scope: 'all' }, {}, 'timer');

    const newSchool = w.session.schoolByClever(added);
    expect(queued).toMatchObject({ scope: 'all', schoolsQueued: 4 });
    expect(q.sent.map((m) => m.schoolId)).toContain(newSchool.id);
    expect(q.sent.map((m) => m.schoolId)).not.toContain(w.session.schoolByClever(removed).id);
    expect(w.session.schoolByClever(removed).isActive).toBe(false);
    // Provisioned by the refresh, before any worker runs.
    expect(newSchool.databaseName).toBe(`school_${added}`);

    const run = await w.session.runs.get(queued!.runId);
    // 4 queued schools, and the unshared one whose roster the refresh archived.
    expect(run).toMatchObject({ status: 'Running', schoolsTotal: 5, trigger: 'timer' });
    expect(JSON.parse(run!.summaryJson!)).toEqual({
      schoolLists: [
        expect.objectContaining({
          cleverDistrictId: w.districtId,
          status: 'Succeeded',
          schoolsQueued: 4,
          provisioned: 1,
          schoolChanges: expect.objectContaining({ created: 1, archived: 1 }),
        }),
      ],
    });
    const lists = w.session.historyRows.filter((h) => h.runId === queued!.runId);
    // Discovery, the district's own row, its list, and the roster of the school Clever stopped sharing.
    expect(lists.map((h) => h.entity)).toEqual(['districts', 'districts', 'schools', 'students', 'teachers']);
    expect(w.session.leaseRows.get(leaseKeys.all())?.holder).toBe(`${queued!.runId}#queue`);

    await q.drain();
    expect(await w.session.runs.get(queued!.runId)).toMatchObject({
      status: 'Succeeded',
      schoolsCompleted: 5,
      schoolsFailed: 0,
    });
    expect(w.provider.roster(added).active('students')).toHaveLength(1);
    expect(w.session.leaseRows.size).toBe(0);
  });

  it('refreshes a district run under the district lease the fan-out itself holds', async () => {
    const { w, added } = await changedDistrict();
    const q = queueMode(w);
    const queued = await q.start({ scope: 'district', districtId: w.districtId });
    expect(queued).toMatchObject({ scope: 'district', schoolsQueued: 4 });
    expect(q.sent.map((m) => m.schoolId)).toContain(w.session.schoolByClever(added).id);
    await q.drain();
    // The unshared school (roster archived by the refresh) counts with the 4 queued ones.
    expect(await w.session.runs.get(queued!.runId)).toMatchObject({ status: 'Succeeded', schoolsTotal: 5 });
  });

  it('queues the schools SessionDb knows when a list cannot be read, and the run says so', async () => {
    const { w, removed, added } = await changedDistrict();
    const forDistrict = w.clever.forDistrict.bind(w.clever);
    w.clever.forDistrict = (id) => ({
      ...forDistrict(id),
      // biome-ignore lint/correctness/useYield: fails before its first page
      getSchools: async function* (): AsyncIterable<CleverSchool[]> {
        throw new CleverApiError({ kind: 'http', status: 503, method: 'GET', path: '/schools', attempt: 6 });
      },
    });
    const q = queueMode(w);
    const queued = await q.start({ scope: 'all' });
    expect(q.sent.map((m) => m.schoolId)).toContain(w.session.schoolByClever(removed).id);
    expect(w.session.schoolRows.some((s) => s.cleverSchoolId === added)).toBe(false);
    await q.drain();
    const run = await w.session.runs.get(queued!.runId);
    expect(run).toMatchObject({ status: 'PartiallySucceeded', schoolsCompleted: 4 });
    expect(run!.errorSummary).toMatch(/school list not refreshed/);
  });

  it('completes the run at once when no school is left to sync after the refresh', async () => {
    const w = fakeWorld({ schools: 2 });
    await w.service.syncAllDistricts();
    w.clever.state(w.districtId).schools.splice(0);
    const q = queueMode(w);
    const queued = await q.start({ scope: 'district', districtId: w.districtId }, { force: true });
    expect(queued).toMatchObject({ schoolsQueued: 0 });
    expect(q.sent).toEqual([]);
    const run = await w.session.runs.get(queued!.runId);
    // No school to queue; the two unshared ones had their rosters archived by the refresh.
    expect(run).toMatchObject({ status: 'Succeeded', schoolsTotal: 2, schoolsCompleted: 2 });
    expect(run!.completedAt).not.toBeNull();
    expect(q.completed).toHaveLength(1);
    expect(w.session.leaseRows.size).toBe(0);
  });

  it('fails the run and frees its scope when the refresh cannot even start', async () => {
    const w = fakeWorld({ schools: 2 });
    await w.service.syncAllDistricts();
    w.tokens.listDistricts = async () => {
      throw new Error('token endpoint down');
    };
    const q = queueMode(w);
    await expect(q.start({ scope: 'all' })).rejects.toThrow(/token endpoint down/);
    const run = w.session.runRows.at(-1)!;
    expect(run).toMatchObject({ status: 'Failed', errorSummary: 'could not refresh the school lists' });
    expect(q.sent).toEqual([]);
    expect(w.session.leaseRows.size).toBe(0);
  });
});

describe('dry runs in the queue mode', () => {
  it('are never queued: the fan-out leaves them to the engine in process', async () => {
    const w = fakeWorld({ schools: 2 });
    await w.service.syncAllDistricts();
    const runsBefore = w.session.runRows.length;
    const requests = w.clever.requests;
    const q = queueMode(w);
    expect(await q.start({ scope: 'all' }, { dryRun: true })).toBeNull();
    expect(q.sent).toEqual([]);
    expect(w.session.runRows).toHaveLength(runsBefore);
    expect(w.clever.requests).toBe(requests);
  });

  it('go to the run queue through the launcher as one run, which the run worker completes in process', async () => {
    const w = fakeWorld({ schools: 2 });
    await w.service.syncAllDistricts();
    const q = queueMode(w);
    const { logger } = createCapturingLogger('info');
    const runs: RunMessage[] = [];
    const dispatcher = createRunDispatcher({
      session: w.session,
      queue: { name: 'test-runs', send: async (messages) => void runs.push(...messages) },
      leaseSeconds: 600,
      tokens: w.tokens,
      logger,
      clock: () => w.clock.now,
    });
    const launcher = createSyncLauncher({
      sync: w.service,
      mode: 'queue',
      fanOut: q.fanOut,
      dispatcher,
      logger,
    });
    const launched = await launcher.launch(
      { target: { scope: 'all' }, full: false, dryRun: true, force: false },
      'http',
    );
    expect(launched).toMatchObject({ mode: 'queued-run' });
    expect(launched.done).toBeUndefined();
    expect(q.sent).toEqual([]);
    expect(runs).toHaveLength(1);
    const outcome = await processRunMessage(runs[0]!, 1, {
      sync: w.service,
      session: w.session,
      leaseSeconds: 600,
      maxDequeueCount: 5,
      logger,
      clock: () => w.clock.now,
    });
    expect(outcome).toMatchObject({ action: 'ran', result: { status: 'Succeeded', dryRun: true } });
    expect(await w.session.runs.get(launched.runId)).toMatchObject({ status: 'Succeeded', dryRun: true });
  });

  it('a dry-run message that reaches a worker is recorded as not synced, so its run still ends', async () => {
    const w = fakeWorld({ schools: 1 });
    await w.service.syncAllDistricts();
    const school = w.session.schoolRows[0]!;
    await w.session.runs.create({
      runId: 'dry-run-1',
      scope: 'school',
      scopeId: school.id,
      trigger: 'http',
      full: false,
      dryRun: true,
      status: 'Running',
      startedAt: w.clock.now,
      schoolsTotal: 1,
      schoolsCompleted: 0,
      schoolsFailed: 0,
      counts: { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
    });
    const q = queueMode(w);
    q.sent.push({
      v: 1,
      runId: 'dry-run-1',
      schoolId: school.id,
      full: false,
      dryRun: true,
      force: false,
      requestedBy: 'http',
      enqueuedAt: w.clock.now.toISOString(),
    });
    await q.drain();
    const run = await w.session.runs.get('dry-run-1');
    expect(run?.status).not.toBe('Running');
    expect(run?.completedAt).not.toBeNull();
    const rows = w.session.historyRows.filter((h) => h.runId === 'dry-run-1');
    expect(rows).toEqual([
      expect.objectContaining({ status: 'Abandoned', errorSummary: expect.stringMatching(/dry runs/) }),
    ]);
  });
});
