import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualSyncHandler, createRunStatusHandler } from '../../src/functions/manual-sync.js';
import { leaseKeys } from '../../src/sync/leases.js';
import { type Stack, startStack, waitForRun } from './support/stack.js';

const context = () =>
  new InvocationContext({ invocationId: 'test-invocation', functionName: 'ManualSyncFunction' });

function post(query: string): HttpRequest {
  return new HttpRequest({ method: 'POST', url: `http://localhost/api/sync${query}` });
}

function getRun(runId: string): HttpRequest {
  return new HttpRequest({
    method: 'GET',
    url: `http://localhost/api/sync/runs/${runId}`,
    params: { runId },
  });
}

type Body = Record<string, unknown> & { error?: { code: string; message: string } };

describe('POST /api/sync and GET /api/sync/runs/{runId}', () => {
  let stack: Stack;
  let schoolId: number;
  let cleverSchoolId: string;

  beforeAll(async () => {
    stack = await startStack();
    // A first run registers the district and its schools, as the nightly timer would.
    const first = await createManualSyncHandler(stack.deps(60_000))(post(''), context());
    expect(first.status).toBe(200);
    const schools = await stack.services.session.schools.list({ activeOnly: true });
    schoolId = schools[0]!.id;
    cleverSchoolId = schools[0]!.cleverSchoolId;
  });
  afterAll(async () => {
    await stack?.close();
  });

  describe('400 for malformed or conflicting input', () => {
    it.each([
      ['?schoolId=abc', /schoolId must be an internal id \(a positive integer\) or a Clever id/],
      ['?schoolId=0', /schoolId must be/],
      ['?districtId=12345678901234567890123z', /districtId must be/],
      ['?schoolId=1&districtId=1', /give schoolId or districtId, not both/],
      ['?full=yes', /full must be true or false, got "yes"/],
      ['?dryRun=maybe', /dryRun must be true or false/],
      ['?force=true&dryRun=true', /force has no effect on a dry run/],
      ['?schoolID=1', /unknown parameter "schoolID" \(did you mean "schoolId"\?\)/],
      ['?school=1', /unknown parameter "school" \(accepted: schoolId, districtId, full, dryRun, force\)/],
      ['?schoolId=1&schoolId=2', /parameter "schoolId" is given more than once/],
    ])('%s', async (query, message) => {
      const response = await createManualSyncHandler(stack.deps())(post(query), context());
      expect(response.status).toBe(400);
      const body = response.jsonBody as Body;
      expect(body.error?.code).toBe('VALIDATION_FAILED');
      expect(body.error?.message).toMatch(message);
    });

    it('ignores the function key passed as ?code=', async () => {
      const response = await createManualSyncHandler(stack.deps(60_000))(
        post(`?schoolId=${schoolId}&dryRun=true&code=some-function-key-value`),
        context(),
      );
      expect(response.status).toBe(200);
      expect(JSON.stringify(response.jsonBody)).not.toContain('some-function-key-value');
    });
  });

  describe('404 for unknown ids', () => {
    it.each([
      ['?schoolId=9999', /School 9999 is not known/],
      ['?schoolId=0123456789abcdef01234567', /School 0123456789abcdef01234567 is not known/],
      ['?districtId=9999', /District 9999 is not known/],
    ])('%s', async (query, message) => {
      const response = await createManualSyncHandler(stack.deps())(post(query), context());
      expect(response.status).toBe(404);
      expect((response.jsonBody as Body).error?.message).toMatch(message);
    });
  });

  it('409 with the running run id when a sync of the same scope holds its lease', async () => {
    const other = 'aaaaaaaa-0000-4000-8000-000000000001';
    const holder = `${other}#elsewhere`;
    await stack.services.session.leases.tryAcquire(leaseKeys.school(schoolId), holder, 60);
    try {
      const response = await createManualSyncHandler(stack.deps())(post(`?schoolId=${schoolId}`), context());
      expect(response.status).toBe(409);
      const body = response.jsonBody as Body;
      expect(body.runId).toBe(other);
      expect(body.error?.message).toContain(other);
    } finally {
      await stack.services.session.leases.release(leaseKeys.school(schoolId), holder);
    }
  });

  it('202 with a run id and status URL, then the status route follows the run to its end', async () => {
    const response = await createManualSyncHandler(stack.deps(0))(
      post(`?schoolId=${cleverSchoolId}&full=true`),
      context(),
    );
    expect(response.status).toBe(202);
    const body = response.jsonBody as Body;
    expect(body).toMatchObject({
      scope: 'school',
      scopeId: schoolId,
      full: true,
      dryRun: false,
      mode: 'in-process',
    });
    expect(body.statusUrl).toBe(`/api/sync/runs/${body.runId}`);
    expect((response.headers as Record<string, string>).location).toBe(body.statusUrl);

    await waitForRun(stack.services, body.runId as string);
    const status = await createRunStatusHandler(stack.deps())(getRun(body.runId as string), context());
    expect(status.status).toBe(200);
    const view = status.jsonBody as Body & {
      progress: Record<string, number>;
      counts: Record<string, number>;
    };
    expect(view).toMatchObject({ runId: body.runId, status: 'Succeeded', finished: true, trigger: 'http' });
    expect(view.progress).toMatchObject({
      schoolsTotal: 1,
      schoolsCompleted: 1,
      schoolsFailed: 0,
      percent: 100,
    });
    expect(view.counts.processed).toBeGreaterThan(0);
    await stack.settle();
  });

  it('200 with the result when the run ends within the wait budget (dry run of a district)', async () => {
    const district = (await stack.services.session.districts.list())[0]!;
    const response = await createManualSyncHandler(stack.deps(60_000))(
      post(`?districtId=${district.cleverDistrictId}&dryRun=true`),
      context(),
    );
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      status: 'Succeeded',
      dryRun: true,
      scope: 'district',
      finished: true,
    });
  });

  describe('GET /api/sync/runs/{runId}', () => {
    it('400 for something that cannot be a run id', async () => {
      const response = await createRunStatusHandler(stack.deps())(getRun('x;drop'), context());
      expect(response.status).toBe(400);
    });

    it('404 for an unknown run', async () => {
      const response = await createRunStatusHandler(stack.deps())(
        getRun('00000000-0000-4000-8000-000000000000'),
        context(),
      );
      expect(response.status).toBe(404);
      expect((response.jsonBody as Body).error?.message).toMatch(/No sync run/);
    });
  });

  describe('per-school progress and what needs attention', () => {
    type View = Body & {
      schools: { cleverSchoolId: string; status: string; syncType: string | null }[];
      needsAttention: string[];
    };

    it('shows each school while a run goes on, from SyncHistory, and what a run shared out left held', async () => {
      const { session } = stack.services;
      const school = (await session.schools.list({ activeOnly: true }))[1]!;
      const runId = 'bbbbbbbb-0000-4000-8000-000000000002';
      await session.runs.create({
        runId,
        scope: 'school',
        scopeId: school.id,
        trigger: 'queue',
        full: false,
        dryRun: false,
        status: 'Running',
        startedAt: new Date(),
        schoolsTotal: 1,
        schoolsCompleted: 0,
        schoolsFailed: 0,
        counts: { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
      });
      const row = await session.history.start({
        runId,
        districtId: school.districtId,
        schoolId: school.id,
        entity: 'students',
        syncType: 'Incremental',
        trigger: 'queue',
        startedAt: new Date(),
        lastSyncTimestamp: null,
        eventCursor: null,
      });
      const running = (await createRunStatusHandler(stack.deps())(getRun(runId), context())).jsonBody as View;
      expect(running.schools).toEqual([
        expect.objectContaining({
          cleverSchoolId: school.cleverSchoolId,
          status: 'Running',
          syncType: 'Incremental',
        }),
      ]);
      expect(running.needsAttention).toEqual([]);

      // A queue fan-out run stores no per-school summary: its end is read from SyncHistory too.
      const zero = { processed: 3, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };
      await session.history.complete(row.id, {
        status: 'Held',
        counts: zero,
        completedAt: new Date(),
        warningsJson: JSON.stringify(['students: would archive 9 of 10 active rows: archive held']),
      });
      await session.runs.update(runId, { status: 'Held', completedAt: new Date(), schoolsCompleted: 1 });
      const held = (await createRunStatusHandler(stack.deps())(getRun(runId), context())).jsonBody as View;
      expect(held.schools).toEqual([
        expect.objectContaining({ cleverSchoolId: school.cleverSchoolId, status: 'Held' }),
      ]);
      expect(held.needsAttention).toEqual([
        `school ${school.cleverSchoolId} held (students: would archive 9 of 10 active rows: archive held); to apply: POST /api/sync?schoolId=${school.cleverSchoolId}&force=true`,
      ]);
    });

    it('names the exact request that applies a held archive, in the POST answer and the run view', async () => {
      const school = (await stack.services.session.schools.list({ activeOnly: true }))[2]!;
      // Clever suddenly lists no student of the school: the guard holds the archive.
      for (const user of [...stack.emulator.truth.studentsOfSchool(school.cleverSchoolId)]) {
        stack.emulator.admin.deleteUser(user.id);
      }
      const started = await createManualSyncHandler(stack.deps(60_000))(
        post(`?schoolId=${school.cleverSchoolId}&full=true`),
        context(),
      );
      expect(started.status).toBe(200);
      const answer = started.jsonBody as View;
      expect(answer.status).toBe('Held');
      const request = `POST /api/sync?schoolId=${school.cleverSchoolId}&force=true`;
      expect(answer.needsAttention).toEqual([
        expect.stringMatching(
          new RegExp(
            `^school ${school.cleverSchoolId} held \\(students: .+\\); to apply: ${request.replace(/[?&]/g, '\\$&')}$`,
          ),
        ),
      ]);
      expect(answer.schools).toEqual([
        expect.objectContaining({ cleverSchoolId: school.cleverSchoolId, status: 'Held', syncType: 'Full' }),
      ]);
      const view = (await createRunStatusHandler(stack.deps())(getRun(answer.runId as string), context()))
        .jsonBody as View;
      expect(view.needsAttention).toEqual(answer.needsAttention);

      const forced = await createManualSyncHandler(stack.deps(60_000))(
        post(`?schoolId=${school.cleverSchoolId}&force=true`),
        context(),
      );
      expect(forced.jsonBody).toMatchObject({ status: 'Succeeded', needsAttention: [] });
    });
  });

  it('never puts the client secret in a response or a log line', async () => {
    const responses = [
      await createManualSyncHandler(stack.deps(60_000))(post(`?schoolId=${schoolId}&dryRun=true`), context()),
      await createManualSyncHandler(stack.deps())(post('?schoolId=abc'), context()),
    ];
    const secret = stack.emulator.clientSecret;
    for (const response of responses) expect(JSON.stringify(response.jsonBody)).not.toContain(secret);
    expect(stack.lines.join('\n')).not.toContain(secret);
  });

  it('answers 500 with the configuration problem, never the secret value, when the app cannot start', async () => {
    const { ConfigError } = await import('../../src/errors.js');
    const handler = createManualSyncHandler(async () => {
      throw new ConfigError(['SYNC_PAGE_SIZE: Too big: expected number to be <=10000 (got "20000")']);
    });
    const hostLog: string[] = [];
    const ctx = new InvocationContext({ logHandler: (_level, ...args) => void hostLog.push(args.join(' ')) });
    const response = await handler(post(''), ctx);
    expect(response.status).toBe(500);
    expect((response.jsonBody as Body).error?.message).toMatch(/SYNC_PAGE_SIZE/);
    // No app logger exists yet: the host's log learns why.
    expect(hostLog.join('\n')).toMatch(/sync services unavailable: Invalid configuration/);
  });
});
