import { HttpRequest, InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAgainstEmulator } from '../../src/cli/verify.js';
import { createManualSyncHandler, createRunStatusHandler } from '../../src/functions/manual-sync.js';
import { MAX_DEQUEUE_COUNT } from '../../src/functions/queue-invocation.js';
import type { SyncFunctionsDeps } from '../../src/functions/sync-deps.js';
import { createSyncRunQueueHandler } from '../../src/functions/sync-run-queue.js';
import { createSyncTimerHandler } from '../../src/functions/sync-timer.js';
import { queueHolder } from '../../src/runs/queued-run-leases.js';
import type { RunMessage } from '../../src/runs/run-message.js';
import { startClaimKey } from '../../src/runs/run-worker.js';
import { leaseKeys } from '../../src/sync/leases.js';
import { type AzuriteQueue, startAzuriteQueue } from './support/azurite.js';
import { onlyMessage, type QueuedServices, queuedServices, receiveAll } from './support/queues.js';
import { type Stack, startStack } from './support/stack.js';

const MODE = {
  dispatchMode: 'queued-run',
  queueName: 'run-test-schools',
  runQueueName: 'run-test-runs',
} as const;

type Body = Record<string, unknown> & { runId: string; statusUrl: string; mode?: string };

/**
 * The default deployed mode end to end on real parts (Azurite, the Clever emulator, SQLite): the
 * HTTP trigger records the run and enqueues one run message; the run queue trigger, called as the
 * host calls it (parsed JSON, dequeueCount), runs the whole run in process.
 */
describe('queued-run mode: a manual run executed by the run queue trigger', () => {
  let azurite: AzuriteQueue;
  let stack: Stack;
  let queued: QueuedServices;

  beforeAll(async () => {
    azurite = await startAzuriteQueue();
    stack = await startStack();
    queued = await queuedServices(stack, azurite, MODE);
  });
  afterAll(async () => {
    await queued?.deps.dispose();
    await stack?.close();
    await azurite?.stop();
  });

  const deps = async () => queued.deps;
  const post = (query = '') =>
    createManualSyncHandler(deps)(
      new HttpRequest({ method: 'POST', url: `http://localhost/api/sync${query}` }),
      new InvocationContext({}),
    );
  const status = async (runId: string) =>
    (
      await createRunStatusHandler(deps)(
        new HttpRequest({ method: 'GET', url: `http://localhost/api/sync/runs/${runId}`, params: { runId } }),
        new InvocationContext({}),
      )
    ).jsonBody as Body & {
      status: string;
      finished: boolean;
      summary: unknown;
      progress: Record<string, unknown>;
    };
  const runQueueHandler = (services: () => Promise<SyncFunctionsDeps> = deps) =>
    createSyncRunQueueHandler(services);
  const deliver = (message: unknown, dequeueCount = 1, services?: () => Promise<SyncFunctionsDeps>) =>
    runQueueHandler(services)(
      message,
      new InvocationContext({ functionName: 'SyncRunQueueFunction', triggerMetadata: { dequeueCount } }),
    );
  const runMessages = () => receiveAll<RunMessage>(queued.runQueue);

  it('records the run and enqueues one run message; the queue trigger runs it to the end', async () => {
    const response = await post('?full=true');
    expect(response.status).toBe(202);
    const body = response.jsonBody as Body;
    expect(body).toMatchObject({ mode: 'queued-run', status: 'Running', finished: false });
    expect(response.headers).toMatchObject({ location: `/api/sync/runs/${body.runId}` });
    expect(await status(body.runId)).toMatchObject({ status: 'Running', trigger: 'http', full: true });

    // Recorded with its leases: overlapping requests are refused, crash recovery leaves it alone.
    for (const query of ['', '?full=true']) {
      const conflict = await post(query);
      expect(conflict.status).toBe(409);
      expect(conflict.jsonBody).toMatchObject({ runId: body.runId });
    }
    expect(await queued.deps.sync.recoverAbandoned()).toEqual({ runs: 0, history: 0 });
    expect((await status(body.runId)).status).toBe('Running');

    const message = await onlyMessage<RunMessage>(queued.runQueue);
    expect(await receiveAll(queued.schoolQueue)).toHaveLength(0);
    expect(message).toMatchObject({
      kind: 'run',
      runId: body.runId,
      target: { scope: 'all' },
      scopeLease: leaseKeys.all(),
      full: true,
      requestedBy: 'http',
    });

    await deliver(message);

    const done = await status(body.runId);
    expect(done).toMatchObject({ status: 'Succeeded', finished: true, trigger: 'http' });
    expect(done.progress).toMatchObject({
      schoolsTotal: 3,
      schoolsCompleted: 3,
      schoolsFailed: 0,
      percent: 100,
    });
    // The engine recorded the run as its own: the per-school summary is there, as in process.
    const summary = done.summary as { districts: { schools: { status: string }[] }[] };
    expect(summary.districts[0]?.schools.map((s) => s.status)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    expect((await verifyAgainstEmulator(queued.deps, stack.emulator)).matches).toBe(true);

    // Every lease of the run is released: the next run may start.
    for (const key of [leaseKeys.all(), leaseKeys.run(body.runId), startClaimKey(body.runId)]) {
      const probe = await queued.deps.session.leases.tryAcquire(key, 'probe#1', 5);
      expect(probe.acquired, key).toBe(true);
      await queued.deps.session.leases.release(key, 'probe#1');
    }

    // Delivered again (at least once): nothing runs twice.
    const history = await queued.deps.session.history.list({ runId: body.runId, limit: 1_000 });
    await deliver(message, 2);
    expect(await queued.deps.session.history.list({ runId: body.runId, limit: 1_000 })).toHaveLength(
      history.length,
    );
    expect((await status(body.runId)).status).toBe('Succeeded');
  });

  it('answers 404 for ids SessionDb rules out, enqueueing nothing', async () => {
    const unknown = await post('?schoolId=9999');
    expect(unknown.status).toBe(404);
    expect(unknown.jsonBody).toMatchObject({
      error: { message: 'School 9999 is not known (a district sync registers schools)' },
    });
    expect((await post('?districtId=9999')).status).toBe(404);
    expect(await runMessages()).toHaveLength(0);
  });

  it('runs one school and a dry run of a district the same way', async () => {
    const school = (await queued.deps.session.schools.list({ activeOnly: true }))[0]!;
    const one = (await post(`?schoolId=${school.cleverSchoolId}`)).jsonBody as Body;
    // A second run of the school waits for nothing: 409; a dry run conflicts with no run.
    expect((await post(`?schoolId=${school.id}`)).status).toBe(409);
    const dry = (await post(`?districtId=${school.districtId}&dryRun=true`)).jsonBody as Body;
    const messages = await runMessages();
    expect(messages.map((m) => m.message.target)).toEqual([
      { scope: 'school', schoolId: school.id },
      { scope: 'district', districtId: school.districtId },
    ]);
    expect(messages[1]?.message.scopeLease).toBeNull();
    for (const { message } of messages) await deliver(message);
    expect(await status(one.runId)).toMatchObject({
      status: 'Succeeded',
      scope: 'school',
      scopeId: school.id,
    });
    expect(await status(dry.runId)).toMatchObject({ status: 'Succeeded', scope: 'district', dryRun: true });
  });

  it('a copy delivered while another invocation runs the run does nothing; once that one is gone, it ends the run Abandoned', async () => {
    const { runId } = (await post()).jsonBody as Body;
    const message = await onlyMessage<RunMessage>(queued.runQueue);
    // Another invocation took the message up first (its host then crashed or timed out).
    const other = `${runId}#start-elsewhere`;
    await queued.deps.session.leases.tryAcquire(startClaimKey(runId), other, 600);

    await deliver(message, 2);
    expect((await status(runId)).status).toBe('Running');
    expect(await queued.deps.session.history.list({ runId, limit: 10 })).toHaveLength(0);

    // That invocation is gone: its run lease expires (released here instead of waiting an hour).
    await queued.deps.session.leases.release(leaseKeys.run(runId), queueHolder(runId));
    await deliver(message, 3);
    expect(await status(runId)).toMatchObject({ status: 'Abandoned', finished: true });
    expect((await status(runId)).error).toMatch(/delivered again/);
    const scope = await queued.deps.session.leases.tryAcquire(leaseKeys.all(), 'probe#2', 5);
    expect(scope.acquired).toBe(true);
    await queued.deps.session.leases.release(leaseKeys.all(), 'probe#2');
  });

  it('a run whose scope another run took while it waited is marked Failed at once, not retried', async () => {
    const { runId } = (await post()).jsonBody as Body;
    const message = await onlyMessage<RunMessage>(queued.runQueue);
    // Its scope lease expired while the message waited, and another run took it.
    const other = 'dddddddd-0000-4000-8000-000000000004#elsewhere';
    await queued.deps.session.leases.release(leaseKeys.all(), queueHolder(runId));
    await queued.deps.session.leases.tryAcquire(leaseKeys.all(), other, 60);
    try {
      await deliver(message);
    } finally {
      await queued.deps.session.leases.release(leaseKeys.all(), other);
    }
    const run = await status(runId);
    expect(run).toMatchObject({ status: 'Failed', finished: true });
    expect(run.error).toBe(
      'Not started: another sync of the same scope started while this run waited (run dddddddd-0000-4000-8000-000000000004)',
    );
    expect(await queued.deps.session.history.list({ runId, limit: 10 })).toHaveLength(0);
  });

  it('the nightly timer queues its run too, and the run queue trigger runs it', async () => {
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: '', next: '', lastUpdated: '' },
    };
    await createSyncTimerHandler(deps)(timer, new InvocationContext({ functionName: 'SyncTimerFunction' }));
    const message = await onlyMessage<RunMessage>(queued.runQueue);
    expect(message).toMatchObject({ requestedBy: 'timer', target: { scope: 'all' } });
    await deliver(message);
    expect(await status(message.runId)).toMatchObject({ status: 'Succeeded', trigger: 'timer' });
  });

  it('rejects a malformed message so the host retries it and then poisons it', async () => {
    await expect(deliver({ v: 1, kind: 'run', runId: 'x' })).rejects.toThrow(/Invalid run message/);
    await expect(deliver('not json')).rejects.toThrow(/not JSON/);
  });
});

describe('queued-run mode: a run that cannot start', () => {
  let azurite: AzuriteQueue;
  let stack: Stack;
  let queued: QueuedServices;

  beforeAll(async () => {
    azurite = await startAzuriteQueue();
    // No Clever retries: each failing attempt below fails at once.
    stack = await startStack({ env: { CLEVER_RETRY_COUNT: '0' } });
    queued = await queuedServices(stack, azurite, MODE);
  });
  afterAll(async () => {
    await queued?.deps.dispose();
    await stack?.close();
    await azurite?.stop();
  });

  it('is retried by the host, and marked Failed on its last attempt (poison), never left Running', async () => {
    // A district SessionDb does not know yet: the engine asks Clever whether it authorized the app.
    const district = stack.emulator.districts[0]!;
    const response = await createManualSyncHandler(async () => queued.deps)(
      new HttpRequest({ method: 'POST', url: `http://localhost/api/sync?districtId=${district.id}` }),
      new InvocationContext({}),
    );
    expect(response.status).toBe(202);
    const { runId } = response.jsonBody as Body;
    const message = await onlyMessage<RunMessage>(queued.runQueue);
    expect(message.target).toEqual({ scope: 'district', districtId: district.id });

    // By the time the message is delivered, Clever's token endpoint fails.
    stack.emulator.faults.set([{ kind: 'status', status: 503, route: '/oauth/tokens' }]);
    const deliver = (dequeueCount: number) =>
      createSyncRunQueueHandler(async () => queued.deps)(
        message,
        new InvocationContext({ functionName: 'SyncRunQueueFunction', triggerMetadata: { dequeueCount } }),
      );
    try {
      for (let attempt = 1; attempt < MAX_DEQUEUE_COUNT; attempt++) {
        await expect(deliver(attempt)).rejects.toThrow();
        // Not started: the claim is given back, so the host's next attempt may start it.
        expect((await queued.deps.session.runs.get(runId))?.status).toBe('Running');
      }
      await expect(deliver(MAX_DEQUEUE_COUNT)).rejects.toThrow();
    } finally {
      stack.emulator.faults.clear();
    }
    const run = await queued.deps.session.runs.get(runId);
    expect(run).toMatchObject({ status: 'Failed' });
    expect(run?.errorSummary).toMatch(
      /^Not started after 5 attempts \(CLEVER_[A-Z_]+\); the message is in the poison queue$/,
    );
    // Its leases are free again.
    for (const key of [leaseKeys.district(district.id), leaseKeys.run(runId), startClaimKey(runId)]) {
      const probe = await queued.deps.session.leases.tryAcquire(key, 'probe#3', 5);
      expect(probe.acquired, key).toBe(true);
      await queued.deps.session.leases.release(key, 'probe#3');
    }
  });
});
