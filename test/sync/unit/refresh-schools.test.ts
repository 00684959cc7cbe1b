import { describe, expect, it } from 'vitest';
import type { CleverSchool } from '../../../src/clever/api/types.js';
import { CleverApiError } from '../../../src/clever/http/errors.js';
import type { SyncHistoryRecord } from '../../../src/db/types.js';
import { ConflictError } from '../../../src/errors.js';
import { leaseKeys, refreshAttachedRun } from '../../../src/sync/index.js';
import { hexId } from '../support/fakes.js';
import { changedDistrict, type FakeWorld, fakeWorld } from '../support/harness.js';

const rosterRequests = (w: FakeWorld) =>
  Object.entries(w.clever.requestsByKind)
    .filter(([kind]) => kind.startsWith('roster:'))
    .reduce((sum, [, n]) => sum + n, 0);

/** The district's `/schools` answers 503 (after the client's retries). */
function failSchoolList(w: FakeWorld): void {
  const forDistrict = w.clever.forDistrict.bind(w.clever);
  w.clever.forDistrict = (id) => ({
    ...forDistrict(id),
    // biome-ignore lint/correctness/useYield: fails before its first page
    getSchools: async function* (): AsyncIterable<CleverSchool[]> {
      throw new CleverApiError({ kind: 'http', status: 503, method: 'GET', path: '/schools', attempt: 6 });
    },
  });
}

describe('SyncService.refreshSchools', () => {
  it('registers new schools, archives unshared ones and provisions new databases, syncing no roster', async () => {
    const { w, removed, added } = await changedDistrict();
    const provisionedBefore = w.provider.provisioned.length;
    const rostersBefore = rosterRequests(w);

    const result = await w.service.refreshSchools({ scope: 'all' }, { trigger: 'timer' });

    const expected = w.clever.state(w.districtId).schools.map((s) => s.id);
    expect(result.schools.map((s) => s.cleverSchoolId).sort()).toEqual([...expected].sort());
    expect(result.schools.map((s) => s.cleverSchoolId)).not.toContain(removed);
    expect(w.session.schoolByClever(removed)).toMatchObject({ isActive: false });
    expect(w.session.schoolByClever(added)).toMatchObject({
      isActive: true,
      lastSuccessfulSyncAt: null,
      databaseName: `school_${added}`,
    });
    expect(w.provider.provisioned.slice(provisionedBefore)).toEqual([added]);
    expect(rosterRequests(w)).toBe(rostersBefore);
    expect(result.districts).toEqual([
      expect.objectContaining({
        cleverDistrictId: w.districtId,
        status: 'Succeeded',
        schoolChanges: expect.objectContaining({ created: 1, archived: 1 }),
        provisioned: 1,
      }),
    ]);
    // The same SyncHistory rows an in-process run writes for discovery and the list, and for the
    // unshared school's roster, archived with it; none for the schools still shared.
    const rows = w.session.historyRows.filter((h) => h.runId === result.runId);
    const removedId = w.session.schoolByClever(removed).id;
    expect(rows.map((h) => [h.entity, h.status, h.schoolId, h.trigger])).toEqual([
      ['districts', 'Succeeded', null, 'timer'],
      ['districts', 'Succeeded', null, 'timer'],
      ['schools', 'Succeeded', null, 'timer'],
      ['students', 'Succeeded', removedId, 'timer'],
      ['teachers', 'Succeeded', removedId, 'timer'],
    ]);
    expect(w.provider.roster(removed).active('students')).toEqual([]);
    expect(w.provider.roster(removed).active('teachers')).toEqual([]);
    expect(w.session.leaseRows.size).toBe(0);

    // The next run syncs the new school in full, as a school onboarded in process.
    const run = await w.service.syncSchool(w.session.schoolByClever(added).id);
    expect(run.districts[0]?.schools[0]).toMatchObject({ status: 'Succeeded', reason: 'never-synced' });
  });

  it('refreshes one district by either id; a school target re-lists nothing, like a run of one school', async () => {
    const { w, added } = await changedDistrict();
    const district = await w.session.districts.findByCleverId(w.districtId);
    const byInternal = await w.service.refreshSchools({ scope: 'district', districtId: district!.id });
    expect(byInternal.schools.map((s) => s.cleverSchoolId)).toContain(added);
    // The list, and the roster of the school Clever stopped sharing.
    expect(w.session.historyRows.filter((h) => h.runId === byInternal.runId).map((h) => h.entity)).toEqual([
      'districts',
      'schools',
      'students',
      'teachers',
    ]);

    const school = w.session.schoolByClever(added);
    const requests = w.clever.requests;
    const one = await w.service.refreshSchools({ scope: 'school', schoolId: school.cleverSchoolId });
    expect(one.schools.map((s) => s.id)).toEqual([school.id]);
    expect(w.clever.requests).toBe(requests);
    expect(w.session.historyRows.filter((h) => h.runId === one.runId)).toEqual([]);
  });

  it('refuses a target another run holds, but goes on under the lease its own run (the queue fan-out) holds', async () => {
    const { w, added } = await changedDistrict();
    const key = leaseKeys.district(w.districtId);
    await w.session.leases.tryAcquire(key, 'other-run#1', 60);
    const refused = w.service.refreshSchools({ scope: 'district', districtId: w.districtId });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({ details: { runId: 'other-run' } });
    expect(w.session.schoolRows.some((s) => s.cleverSchoolId === added)).toBe(false);

    // An `all` refresh skips the district another run has and hands back the schools SessionDb knows.
    const all = await w.service.refreshSchools({ scope: 'all' });
    expect(all.districts[0]).toMatchObject({ status: 'Skipped', runningRunId: 'other-run' });
    expect(all.schools).toHaveLength(4);
    await w.session.leases.release(key, 'other-run#1');

    await w.session.leases.tryAcquire(key, 'run-7#queue', 60);
    const own = await w.service.refreshSchools(
      { scope: 'district', districtId: w.districtId },
      { runId: 'run-7' },
    );
    expect(own.schools.map((s) => s.cleverSchoolId)).toContain(added);
    // Still the fan-out's: it lives as long as the queued run.
    expect(w.session.leaseRows.get(key)?.holder).toBe('run-7#queue');
  });

  it('falls back to the schools SessionDb knows when the list cannot be read, and records the failure', async () => {
    const { w, removed, added } = await changedDistrict();
    failSchoolList(w);
    const result = await w.service.refreshSchools({ scope: 'all' });
    expect(result.districts[0]).toMatchObject({ status: 'Failed', error: expect.stringMatching(/503/) });
    expect(result.schools.map((s) => s.cleverSchoolId)).toContain(removed);
    expect(result.schools.map((s) => s.cleverSchoolId)).not.toContain(added);
    const list = w.session.historyRows.find((h) => h.runId === result.runId && h.entity === 'schools');
    expect(list).toMatchObject({ status: 'Failed' });
  });

  it('holds archiving a much shorter list (guard), returning the schools still active', async () => {
    const w = fakeWorld({ schools: 4 });
    await w.service.syncAllDistricts();
    w.clever.state(w.districtId).schools.splice(0, 3);
    const result = await w.service.refreshSchools({ scope: 'all' });
    expect(result.districts[0]).toMatchObject({ status: 'Held' });
    expect(result.schools).toHaveLength(4);
    const forced = await w.service.refreshSchools({ scope: 'all' }, { force: true });
    expect(forced.schools).toHaveLength(1);
  });
});

describe('a queue-shared run and its school-list refresh', () => {
  const zero = { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };

  type Ended = Exclude<SyncHistoryRecord['status'], 'Running'>;

  async function queuedRun(w: FakeWorld, schoolsTotal: number, rows: [number | null, Ended][]) {
    const now = () => w.clock.now;
    const district = await w.session.districts.upsert({ cleverDistrictId: w.districtId, name: 'D' });
    const runId = `run-${hexId()}`;
    await w.session.runs.create({
      runId,
      scope: 'all',
      scopeId: null,
      trigger: 'timer',
      full: false,
      dryRun: false,
      status: 'Running',
      startedAt: now(),
      schoolsTotal,
      schoolsCompleted: 0,
      schoolsFailed: 0,
      counts: zero,
    });
    for (const [schoolId, status] of rows) {
      const row = await w.session.history.start({
        runId,
        districtId: district.id,
        schoolId,
        entity: schoolId === null ? 'schools' : 'students',
        syncType: 'Full',
        trigger: 'queue',
        startedAt: now(),
        lastSyncTimestamp: null,
        eventCursor: null,
      });
      await w.session.history.complete(row.id, {
        status,
        counts: zero,
        completedAt: now(),
      });
    }
    return refreshAttachedRun(w.session, runId, now);
  }

  it('is Held when the list was held and at most PartiallySucceeded when it failed, as in process', async () => {
    const w = fakeWorld({ schools: 1 });
    expect(
      await queuedRun(w, 1, [
        [null, 'Held'],
        [5, 'Succeeded'],
      ]),
    ).toMatchObject({ status: 'Held' });
    expect(
      await queuedRun(w, 1, [
        [null, 'Failed'],
        [5, 'Succeeded'],
      ]),
    ).toMatchObject({
      status: 'PartiallySucceeded',
      districts: [expect.objectContaining({ status: 'PartiallySucceeded' })],
    });
    // No school to queue because no list could be read: the run failed.
    expect(await queuedRun(w, 0, [[null, 'Failed']])).toMatchObject({ status: 'Failed' });
    expect(
      await queuedRun(w, 1, [
        [null, 'Succeeded'],
        [5, 'Succeeded'],
      ]),
    ).toMatchObject({
      status: 'Succeeded',
    });
  });
});
