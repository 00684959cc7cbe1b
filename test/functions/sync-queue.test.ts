import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAgainstEmulator } from '../../src/cli/verify.js';
import { createManualSyncHandler } from '../../src/functions/manual-sync.js';
import type { SyncFunctionsDeps } from '../../src/functions/sync-deps.js';
import { createSyncQueueHandler } from '../../src/functions/sync-queue.js';
import { createSyncRunQueueHandler } from '../../src/functions/sync-run-queue.js';
import type { SchoolSyncMessage } from '../../src/runs/queue-message.js';
import type { RunMessage } from '../../src/runs/run-message.js';
import { leaseKeys } from '../../src/sync/leases.js';
import { type AzuriteQueue, startAzuriteQueue } from './support/azurite.js';
import { onlyMessage, type QueuedServices, queuedServices, receiveAll as receive } from './support/queues.js';
import { type Stack, startStack } from './support/stack.js';

/**
 * The scale-out path end to end on real parts: POST /api/sync in queue mode enqueues one message per
 * school on Azurite; the queue handler (called as the host would: parsed JSON, dequeueCount) syncs
 * each school under the run; the run ends when its last school does. What the fan-out cannot
 * spread (a first run, a dry run) goes to the run queue as one run.
 */
describe('queue scale-out mode', () => {
  let azurite: AzuriteQueue;
  let stack: Stack;
  let queues: QueuedServices;
  let queued: SyncFunctionsDeps;

  beforeAll(async () => {
    azurite = await startAzuriteQueue();
    stack = await startStack();
    // The same app and databases, with the dispatch mode switched to the queue.
    queues = await queuedServices(stack, azurite, {
      dispatchMode: 'queue',
      queueName: 'sync-queue-test',
      runQueueName: 'sync-queue-test-runs',
    });
    queued = queues.deps;
  });
  afterAll(async () => {
    await queued?.dispose();
    await stack?.close();
    await azurite?.stop();
  });

  const post = (query = '') =>
    createManualSyncHandler(async () => queued)(
      new HttpRequest({ method: 'POST', url: `http://localhost/api/sync${query}` }),
      new InvocationContext({}),
    );

  const receiveAll = () => receive<SchoolSyncMessage>(queues.schoolQueue);

  const handle = (message: unknown, dequeueCount = 1) =>
    createSyncQueueHandler(async () => queued)(
      message,
      new InvocationContext({ functionName: 'SyncQueueFunction', triggerMetadata: { dequeueCount } }),
    );

  /** The one run message on the run queue, run by the run queue trigger. */
  async function runTheQueuedRun(runId: string) {
    const message = await onlyMessage<RunMessage>(queues.runQueue);
    expect(message.runId).toBe(runId);
    await createSyncRunQueueHandler(async () => queued)(
      message,
      new InvocationContext({ functionName: 'SyncRunQueueFunction', triggerMetadata: { dequeueCount: 1 } }),
    );
    return queued.session.runs.get(runId);
  }

  it('queues a first run as one run when SessionDb knows no school yet (the run discovers them)', async () => {
    const response = await post('');
    expect(response.status).toBe(202);
    const body = response.jsonBody as { runId: string };
    expect(body).toMatchObject({ mode: 'queued-run', status: 'Running', scope: 'all' });
    expect(await receiveAll()).toHaveLength(0);
    expect(await runTheQueuedRun(body.runId)).toMatchObject({ status: 'Succeeded', schoolsTotal: 3 });
    expect(await queued.session.schools.list({ activeOnly: true })).toHaveLength(3);
  });

  it('enqueues one message per school and the queue handler completes the run', async () => {
    const response = await post('?full=true');
    expect(response.status).toBe(202);
    const body = response.jsonBody as { runId: string; mode: string; schoolsQueued: number; status: string };
    expect(body).toMatchObject({ mode: 'queue', schoolsQueued: 3, status: 'Running' });

    // Requests for the same or an enclosed scope are refused with this run's id.
    const district = (await queued.session.districts.list())[0]!;
    const school = (await queued.session.schools.list())[0]!;
    for (const query of ['', `?districtId=${district.id}`, `?schoolId=${school.id}`]) {
      const conflict = await post(query);
      expect(conflict.status).toBe(409);
      expect(conflict.jsonBody).toMatchObject({ runId: body.runId });
    }

    const messages = await receiveAll();
    expect(messages).toHaveLength(3);
    expect(new Set(messages.map((m) => m.message.runId))).toEqual(new Set([body.runId]));
    expect(messages.every((m) => m.message.full && m.message.requestedBy === 'http')).toBe(true);

    // The host hands the handler parsed JSON.
    for (const { message } of messages) await handle(message);

    const run = await queued.session.runs.get(body.runId);
    expect(run).toMatchObject({
      status: 'Succeeded',
      schoolsTotal: 3,
      schoolsCompleted: 3,
      schoolsFailed: 0,
    });
    expect(run?.completedAt).not.toBeNull();
    const history = await queued.session.history.list({ runId: body.runId, limit: 100 });
    expect(history.filter((h) => h.trigger === 'queue').length).toBeGreaterThanOrEqual(6);
    expect((await verifyAgainstEmulator(queued, stack.emulator)).matches).toBe(true);

    // The run's leases are released with its last school: a new run of everything may start.
    const lease = await queued.session.leases.tryAcquire(leaseKeys.all(), 'probe#1', 5);
    expect(lease.acquired).toBe(true);
    await queued.session.leases.release(leaseKeys.all(), 'probe#1');

    // Redelivery (at least once): nothing is synced twice.
    const historyBefore = history.length;
    await handle(messages[0]!.message, 2);
    expect(await queued.session.history.list({ runId: body.runId, limit: 100 })).toHaveLength(historyBefore);
  });

  it('records a school another run holds as not synced, so the run still ends', async () => {
    const response = await post();
    const { runId } = response.jsonBody as { runId: string };
    const messages = await receiveAll();
    const [held, ...rest] = messages;
    const holder = 'cccccccc-0000-4000-8000-000000000003#elsewhere';
    await queued.session.leases.tryAcquire(leaseKeys.school(held!.message.schoolId), holder, 60);
    try {
      for (const { message } of [held!, ...rest]) await handle(message);
    } finally {
      await queued.session.leases.release(leaseKeys.school(held!.message.schoolId), holder);
    }
    const run = await queued.session.runs.get(runId);
    expect(run).toMatchObject({ status: 'PartiallySucceeded', schoolsCompleted: 2, schoolsFailed: 1 });
    const rows = await queued.session.history.list({ runId, schoolId: held!.message.schoolId, limit: 10 });
    expect(rows[0]).toMatchObject({ status: 'Abandoned', entity: 'schools' });
    expect(rows[0]?.errorSummary).toMatch(
      /cccccccc-0000-4000-8000-000000000003 was already syncing this school/,
    );
  });

  it('answers 404 for ids SessionDb rules out (same as in process), enqueueing nothing', async () => {
    const unknown = await post('?schoolId=9999');
    expect(unknown.status).toBe(404);
    expect(unknown.jsonBody).toMatchObject({
      error: { message: 'School 9999 is not known (a district sync registers schools)' },
    });
    expect(await receiveAll()).toHaveLength(0);
    expect(await receive(queues.runQueue)).toHaveLength(0);
  });

  it('rejects a malformed message so the host retries it and then poisons it', async () => {
    await expect(handle({ v: 1, runId: 'x', schoolId: 'one' })).rejects.toThrow(
      /Invalid school sync message/,
    );
    await expect(handle('not json')).rejects.toThrow(/not JSON/);
  });

  it('queues dry runs as one run (they write no history for the fan-out to account by)', async () => {
    const response = await post('?dryRun=true');
    const body = response.jsonBody as { runId: string };
    expect(body).toMatchObject({ mode: 'queued-run', dryRun: true });
    expect(await receiveAll()).toHaveLength(0);
    expect(await runTheQueuedRun(body.runId)).toMatchObject({ status: 'Succeeded', dryRun: true });
  });

  it('re-reads the school list before enqueueing: a school Clever starts sharing is queued, one it stops sharing is not', async () => {
    const district = (await queued.session.districts.list())[0]!;
    const gone = (await queued.session.schools.list({ activeOnly: true }))[0]!;
    const added = stack.emulator.admin.addSchool(district.cleverDistrictId, { name: 'Escuela Nueva' });
    stack.emulator.admin.createUser(district.cleverDistrictId, { role: 'student', schoolId: added.id });
    stack.emulator.admin.unshareSchool(gone.cleverSchoolId);

    const response = await post();
    const body = response.jsonBody as { runId: string; mode: string; schoolsQueued: number };
    expect(body).toMatchObject({ mode: 'queue', schoolsQueued: 3 });
    const fresh = await queued.session.schools.findByCleverId(added.id);
    expect(fresh).toMatchObject({ isActive: true });
    expect(await queued.session.schools.findById(gone.id)).toMatchObject({ isActive: false });

    const messages = await receiveAll();
    expect(messages.map((m) => m.message.schoolId)).toContain(fresh!.id);
    expect(messages.map((m) => m.message.schoolId)).not.toContain(gone.id);
    for (const { message } of messages) await handle(message);

    // 3 queued schools, and the unshared one whose roster the refresh archived.
    expect(await queued.session.runs.get(body.runId)).toMatchObject({ status: 'Succeeded', schoolsTotal: 4 });
    expect((await verifyAgainstEmulator(queued, stack.emulator)).matches).toBe(true);
  });
});
