import { afterEach, describe, expect, it } from 'vitest';
import type { CleverApiClient, CleverDistrictApi } from '../../../src/clever/api/types.js';
import { createSyncService } from '../../../src/sync/service.js';
import { createSyncEnv, expectDatabasesMatchEmulator, type SyncEnv, schoolIds } from './support.js';

/** Faults injected by the emulator (real HTTP): parallel schools, one failing school, 429s and 5xx. */
let env: SyncEnv | undefined;
afterEach(async () => {
  await env?.dispose();
  env = undefined;
});

/** Wraps the real client to observe how many roster pulls run at once (behaviour, not timing). */
function observeConcurrency(client: CleverApiClient): { client: CleverApiClient; max: () => number } {
  let active = 0;
  let max = 0;
  const track = <T>(source: AsyncIterable<T>): AsyncIterable<T> => ({
    async *[Symbol.asyncIterator]() {
      active += 1;
      max = Math.max(max, active);
      try {
        yield* source;
      } finally {
        active -= 1;
      }
    },
  });
  return {
    max: () => max,
    client: {
      getDistricts: () => client.getDistricts(),
      forDistrict(districtId: string): CleverDistrictApi {
        const api = client.forDistrict(districtId);
        return Object.assign(Object.create(api) as CleverDistrictApi, {
          // A full pull reads a school's students and teachers in one listing.
          getSchoolUsers: (...args: Parameters<CleverDistrictApi['getSchoolUsers']>) =>
            track(api.getSchoolUsers(...args)),
        });
      },
    },
  };
}

describe('faults and concurrency against the emulator (SQLite)', () => {
  it('syncs 5 schools in parallel, never more, and ends with the emulator’s data', async () => {
    env = await createSyncEnv('sqlite', undefined, { maxConcurrentSchools: 5 });
    // Slow roster answers so that pulls overlap.
    env.emulator.faults.add({ kind: 'latency', route: '/schools/{id}/users', latencyMs: 25 });
    const observed = observeConcurrency(env.clever);
    const service = createSyncService({
      session: env.session,
      schoolDatabases: env.schools,
      clever: observed.client,
      tokens: {
        listDistricts: async () => [
          { districtId: env!.districtId, accessToken: 'x', scopes: [], source: 'discovery' },
        ],
        getToken: async () => 'x',
        refreshAfterUnauthorized: async () => 'x',
      },
      config: {
        maxConcurrentSchools: 5,
        pageSize: 10,
        archiveGuardFraction: 0.3,
        leaseSeconds: 600,
        eventsEnabled: true,
      },
      logger: env.logger,
    });
    const result = await service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('Succeeded');
    expect(observed.max()).toBe(5);
    await expectDatabasesMatchEmulator(env, expect);
  });

  it('isolates a school that keeps failing: the others succeed, the run is PartiallySucceeded, and it alerts on the third failure', async () => {
    env = await createSyncEnv('sqlite', undefined, { cleverSettings: { CLEVER_RETRY_COUNT: '1' } });
    const bad = schoolIds(env)[2]!;
    env.emulator.faults.add({ kind: 'status', status: 500, route: '/schools/{id}/users', id: bad });

    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('PartiallySucceeded');
    expect(result.schoolsFailed).toBe(1);
    expect(result.schoolsCompleted).toBe(5);
    const failed = result.districts[0]!.schools.find((s) => s.cleverSchoolId === bad)!;
    expect(failed).toMatchObject({ status: 'Failed' });
    expect(failed.error).toMatch(/500/);
    const school = (await env.session.schools.findByCleverId(bad))!;
    expect(school).toMatchObject({ consecutiveFailures: 1, lastSuccessfulSyncAt: null });
    const rows = await env.session.history.list({ runId: result.runId, schoolId: school.id });
    // Students and teachers come from one listing: both rosters failed with it.
    expect(rows.map((r) => [r.entity, r.status]).sort()).toEqual([
      ['students', 'Failed'],
      ['teachers', 'Failed'],
    ]);
    for (const row of rows) expect(row.errorSummary).toMatch(/500/);
    expect((await env.session.runs.get(result.runId))?.status).toBe('PartiallySucceeded');

    await env.service.syncAllDistricts({ trigger: 'test' });
    expect(env.alerts).toHaveLength(0);
    await env.service.syncAllDistricts({ trigger: 'test' });
    expect(
      env.alerts.map((a) => [a.name, a.properties.cleverSchoolId, a.measurements.consecutiveFailures]),
    ).toEqual([['CleverSyncSchoolFailing', bad, 3]]);
    expect(
      env.lines.some((l) => l.includes('"level":"error"') && l.includes('CleverSyncSchoolFailing')),
    ).toBe(true);

    env.emulator.faults.clear();
    const healed = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(healed.status).toBe('Succeeded');
    expect((await env.session.schools.findByCleverId(bad))?.consecutiveFailures).toBe(0);
    await expectDatabasesMatchEmulator(env, expect);
  });

  it('ends with correct data and exact counts through 429s, 5xx, HTML errors and connection resets', async () => {
    env = await createSyncEnv('sqlite');
    env.emulator.faults.set({
      seed: 'sync-faults',
      rules: [
        { kind: 'rate-limit', route: '/schools/{id}/users', resetInSeconds: 0, probability: 0.15, count: 3 },
        { kind: 'status', status: 503, probability: 0.1 },
        { kind: 'status', status: 502, route: '/schools', probability: 0.5, count: 1 },
        { kind: 'html', status: 500, probability: 0.05 },
        { kind: 'reset', route: '/schools/{id}/users', probability: 0.05 },
      ],
    });
    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    const fired = env.emulator.faults.list().reduce((n, f) => n + f.fired, 0);
    expect(fired).toBeGreaterThan(3);
    expect(env.clever.metrics().retries).toBeGreaterThan(0);
    expect(env.clever.metrics().rateLimited).toBeGreaterThan(0);
    expect(result.status).toBe('Succeeded');
    await expectDatabasesMatchEmulator(env, expect);
    // Retries never double-count: every user was created exactly once.
    for (const school of result.districts[0]!.schools) {
      for (const entity of school.entities) {
        expect(entity.counts.created).toBe(entity.counts.processed);
        expect(entity.counts.updated + entity.counts.failed + entity.counts.invalid).toBe(0);
      }
    }
    expect(env.lines.some((l) => /rate.?limit/i.test(l))).toBe(true);
  });

  it('asks again for a page that arrives truncated and ends with correct data', async () => {
    env = await createSyncEnv('sqlite');
    const bad = schoolIds(env)[1]!;
    env.emulator.faults.add({ kind: 'truncate', route: '/schools/{id}/users', id: bad, count: 1 });
    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('Succeeded');
    expect(env.clever.metrics().retries).toBe(1);
    await expectDatabasesMatchEmulator(env, expect);
  });

  it('fails only the school whose pages keep arriving truncated, quoting none of them, and heals next run', async () => {
    env = await createSyncEnv('sqlite');
    const bad = schoolIds(env)[1]!;
    env.emulator.faults.add({ kind: 'truncate', route: '/schools/{id}/users', id: bad, count: 6 });
    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('PartiallySucceeded');
    const failed = result.districts[0]!.schools.find((s) => s.cleverSchoolId === bad)!;
    expect(failed.error).toMatch(
      /^CLEVER_BAD_RESPONSE: Clever GET \/v3.0\/schools\/[0-9a-f]{24}\/users\?limit=10 answered 200 with an unusable body/,
    );
    const school = (await env.session.schools.findByCleverId(bad))!;
    const [row] = await env.session.history.list({ runId: result.runId, schoolId: school.id });
    expect(row!.errorSummary).toBe(failed.error);
    // Student names of the school never reach any log line or SyncHistory.
    const names = [...env.emulator.truth.studentsOfSchool(bad)]
      .flatMap((u) => [u.name.first, u.name.last])
      .filter((n) => n.length > 3);
    const logged = env.lines.join('\n');
    for (const name of names) expect(logged).not.toMatch(new RegExp(`\\b${name}\\b`, 'u'));
    expect(JSON.stringify(row)).not.toMatch(/"first"|"last"/);

    const healed = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(healed.status).toBe('Succeeded');
    await expectDatabasesMatchEmulator(env, expect);
  });
});
