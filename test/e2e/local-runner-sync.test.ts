import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSyncServices } from '../../src/app.js';
import { changeSomeRecords } from '../../src/cli/commands/demo.js';
import type { ServeHandle } from '../../src/cli/commands/serve.js';
import { verifyAgainstEmulator } from '../../src/cli/verify.js';
import { type LocalStack, startLocalStack } from './support.js';

const KEY = 'e2e-local-function-key-0123456789';

/**
 * End to end over real HTTP: `npm run serve`'s runner hosting the registered functions, the Clever
 * emulator, SQLite. A manual sync is started with the function key, polled through its status URL
 * to completion, and the databases are compared with the emulator; then the emulator changes and an
 * incremental sync brings them level again.
 */
describe('local runner + emulator + SQLite', () => {
  let stack: LocalStack;
  let serve: ServeHandle;
  const bodies: string[] = [];

  async function call(method: string, path: string, key: string | null = KEY) {
    const response = await fetch(`${serve.runner.url}${path}`, {
      method,
      headers: key ? { 'x-functions-key': key } : {},
    });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function syncToCompletion(query = '') {
    const started = await call('POST', `/api/sync${query}`);
    expect(started.status).toBe(202);
    expect(started.body.statusUrl).toBe(`/api/sync/runs/${started.body.runId}`);
    for (let poll = 0; poll < 1_200; poll++) {
      const status = await call('GET', started.body.statusUrl as string);
      expect(status.status).toBe(200);
      if (status.body.finished === true) return status.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the run did not finish');
  }

  beforeAll(async () => {
    stack = await startLocalStack(KEY);
    serve = stack.serve;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('rejects the manual sync without the function key', async () => {
    expect((await call('POST', '/api/sync', null)).status).toBe(401);
    expect((await call('POST', '/api/sync', 'not-the-key')).status).toBe(401);
  });

  it('runs a manual sync over HTTP to completion; the databases equal the emulator', async () => {
    const run = await syncToCompletion();
    expect(run).toMatchObject({ status: 'Succeeded', trigger: 'http', scope: 'all' });
    expect(run.progress).toMatchObject({
      schoolsTotal: 3,
      schoolsCompleted: 3,
      schoolsFailed: 0,
      percent: 100,
    });
    const verification = await verifyAgainstEmulator(await getSyncServices(), serve.emulator!);
    expect(verification.missingSchools).toEqual([]);
    expect(
      verification.schools.every((s) => s.students.missing.length === 0 && s.students.extra.length === 0),
    ).toBe(true);
    expect(verification.matches).toBe(true);
  });

  it('picks up changes in Clever with an incremental sync', async () => {
    const changes = changeSomeRecords(serve.emulator!);
    expect(changes.deleted.length + changes.created.length + changes.updated.length).toBeGreaterThan(0);
    const run = await syncToCompletion();
    expect(run.status).toBe('Succeeded');
    const schools = (run.summary as { districts: { schools: { syncType: string }[] }[] }).districts[0]!
      .schools;
    expect(schools.every((s) => s.syncType === 'Incremental')).toBe(true);
    expect((run.counts as { archived: number }).archived).toBeGreaterThanOrEqual(changes.deleted.length);
    expect((await verifyAgainstEmulator(await getSyncServices(), serve.emulator!)).matches).toBe(true);
  });

  it("serves the promised routes under host.json's route prefix, and the earlier health path", async () => {
    for (const path of ['/health/clever-auth', '/api/health/clever-auth']) {
      const health = await call('GET', path);
      expect(health.status, path).toBe(200);
      expect(health.body.status, path).toMatch(/^(healthy|degraded)$/);
      expect((await call('GET', path, null)).status, `${path} without a key`).toBe(401);
    }
    // Only the spelled-out paths exist: no /api/api/..., no unprefixed sync.
    expect((await call('POST', '/sync?dryRun=true')).status).toBe(404);
    expect((await call('GET', '/api/api/sync/runs/abcdefgh')).status).toBe(404);

    const school = (await (await getSyncServices()).session.schools.list({ activeOnly: true }))[0]!;
    const byDistrict = await call('POST', `/api/sync?districtId=${school.districtId}&dryRun=true`);
    const bySchool = await call('POST', `/api/sync?schoolId=${school.id}&dryRun=true`);
    for (const started of [byDistrict, bySchool]) {
      expect(started.status).toBe(202);
      expect((await call('GET', started.body.statusUrl as string)).status).toBe(200);
    }

    const listed = (await call('GET', '/api/functions')).body.functions as { name: string; route?: string }[];
    const routes = Object.fromEntries(listed.filter((f) => f.route).map((f) => [f.name, f.route]));
    expect(routes).toMatchObject({
      ManualSyncFunction: '/api/sync',
      SyncRunStatusFunction: '/api/sync/runs/{runId}',
      HealthCleverAuthRoot: '/health/clever-auth',
      HealthCleverAuth: '/api/health/clever-auth',
      ListFunctions: '/api/functions',
    });
  });

  it('lists the registered functions and fires the timer on demand', async () => {
    const listed = await call('GET', '/api/functions');
    const names = (listed.body.functions as { name: string }[]).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'SyncTimerFunction',
        'ManualSyncFunction',
        'SyncRunStatusFunction',
        'SyncQueueFunction',
        'HealthCleverAuth',
      ]),
    );

    const fired = await call('POST', '/admin/functions/SyncTimerFunction');
    expect(fired.status).toBe(202);
    await serve.runner.idle();
    const [latest] = await (await getSyncServices()).session.runs.listRecent(1);
    expect(latest).toMatchObject({ trigger: 'timer', status: 'Succeeded' });
  });

  it('never answers with the function key or the Clever client secret', () => {
    const all = bodies.join('\n');
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(serve.emulator!.clientSecret);
  });
});
