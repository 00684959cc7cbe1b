import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSyncEnv,
  dataRequests,
  expectDatabasesMatchEmulator,
  queryRoster,
  readRoster,
  type SyncEnv,
  schoolIds,
} from './support.js';

/**
 * Incremental sync's fallbacks and the school list, on the emulator with SQLite: schools added
 * and unshared, a cursor past Clever's retention window, Events switched off, a district that
 * disconnects. The steps build on each other.
 */
describe('events fallbacks and sharing changes (SQLite)', () => {
  let env: SyncEnv;
  beforeAll(async () => {
    env = await createSyncEnv('sqlite', {
      seed: 'sync-events',
      districts: 1,
      schoolsPerDistrict: 4,
      studentsPerSchool: 20,
      teachersPerSchool: 3,
      multiSchoolShare: 0.15,
    });
    const first = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(first.status).toBe('Succeeded');
  });
  afterAll(async () => {
    await env?.dispose();
  });

  it('onboards a newly shared school with a full sync while the others stay incremental', async () => {
    const added = env.emulator.admin.addSchool(env.districtId, { name: 'Escuela Nueva' });
    for (let i = 0; i < 3; i++)
      env.emulator.admin.createUser(env.districtId, { role: 'student', schoolId: added.id });
    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('Succeeded');
    const bySchool = new Map(result.districts[0]!.schools.map((s) => [s.cleverSchoolId, s]));
    expect(bySchool.get(added.id)).toMatchObject({ syncType: 'Full', reason: 'never-synced' });
    expect([...bySchool.values()].filter((s) => s.syncType === 'Incremental')).toHaveLength(4);
    expect((await env.session.schools.findByCleverId(added.id))?.name).toBe('Escuela Nueva');
    await expectDatabasesMatchEmulator(env, expect);
  });

  it('archives a school that is no longer shared and updates its multi-school users elsewhere', async () => {
    const gone = schoolIds(env)[0]!;
    env.emulator.admin.unshareSchool(gone);
    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('Succeeded');
    expect(result.districts[0]!.schoolChanges.archived).toBe(1);
    expect((await env.session.schools.findByCleverId(gone))?.isActive).toBe(false);
    // Not synced: its roster is archived with it, so apps stop seeing its students and teachers.
    const students = (await readRoster(env, gone, 'students')).length;
    const teachers = (await readRoster(env, gone, 'teachers')).length;
    let classes = 0;
    for (const table of ['sections', 'courses', 'terms']) {
      const rows = await queryRoster(env, gone, `SELECT is_active FROM ${table}`);
      expect(rows.filter((r) => Boolean(r.is_active))).toEqual([]);
      classes += rows.length;
    }
    expect(classes).toBeGreaterThan(0);
    // Its classes go with it, and their enrollments.
    expect(await queryRoster(env, gone, 'SELECT section_clever_id FROM section_students')).toEqual([]);
    expect(result.districts[0]!.schools.find((s) => s.cleverSchoolId === gone)).toMatchObject({
      status: 'Succeeded',
      reason: 'unshared',
      counts: expect.objectContaining({ archived: students + teachers + classes }),
    });
    expect((await readRoster(env, gone, 'students')).filter((r) => r.isActive)).toEqual([]);
    expect((await readRoster(env, gone, 'teachers')).filter((r) => r.isActive)).toEqual([]);
    await expectDatabasesMatchEmulator(env, expect);
    // A single-school sync of an archived school is refused clearly.
    await expect(env.service.syncSchool(gone)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('falls back to a full sync when the cursor is older than the retention window', async () => {
    const [s1] = schoolIds(env) as [string];
    env.emulator.admin.createUser(env.districtId, { role: 'student', schoolId: s1 });
    await env.service.syncAllDistricts({ trigger: 'test' });
    env.emulator.admin.advanceClock(31 * 24 * 3600 * 1000);
    env.emulator.admin.createUser(env.districtId, { role: 'teacher', schoolId: s1 });

    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('Succeeded');
    const district = result.districts[0]!;
    expect(district.warnings.join(' ')).toMatch(/refused the events request/);
    expect(
      district.schools.every((s) => s.syncType === 'Full' && s.reason === 'events-cursor-rejected'),
    ).toBe(true);
    await expectDatabasesMatchEmulator(env, expect);
    // Back on events: the new cursor is the newest retained event.
    const latest = env.emulator.truth.latestEventId(env.districtId);
    for (const school of await env.session.schools.list({ activeOnly: true }))
      expect(school.eventsCursor).toBe(latest);
    const again = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(again.districts[0]!.schools.every((s) => s.syncType === 'Incremental')).toBe(true);
  });

  it('without Events access pulls in full every run, writing only the rows that changed', async () => {
    env.emulator.admin.setEventsEnabled(env.districtId, false);
    const [s1] = schoolIds(env) as [string];
    env.emulator.admin.createUser(env.districtId, { role: 'student', schoolId: s1 });
    const first = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(first.status).toBe('Succeeded');
    expect(first.districts[0]!.warnings.join(' ')).toMatch(/refused the events request/);
    await expectDatabasesMatchEmulator(env, expect);
    for (const school of await env.session.schools.list({ activeOnly: true }))
      expect(school.eventsCursor).toBeNull();

    const student = [...env.emulator.truth.studentsOfSchool(s1)][0]!;
    env.emulator.admin.updateUser(student.id, { name: { first: 'Changed' } });
    const compared = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(compared.status).toBe('Succeeded');
    const s1Result = compared.districts[0]!.schools.find((s) => s.cleverSchoolId === s1)!;
    expect(s1Result).toMatchObject({ syncType: 'Full', reason: 'no-events-cursor' });
    const students = s1Result.entities.find((e) => e.entity === 'students')!;
    expect(students.counts.updated).toBe(1);
    expect(students.unchanged).toBe(students.counts.processed - 1);
    await expectDatabasesMatchEmulator(env, expect);
    env.emulator.admin.setEventsEnabled(env.districtId, true);
    env.restart({});
  });

  it('marks a district that disconnected inactive and syncs nothing for it', async () => {
    env.emulator.admin.disconnectDistrict(env.districtId);
    env.restart({});
    env.emulator.resetStats();
    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    // Reported, not silently dropped: the only district could not be synced, so the run failed.
    expect(result.status).toBe('Failed');
    expect(result.districts).toEqual([
      expect.objectContaining({
        cleverDistrictId: env.districtId,
        status: 'Skipped',
        disconnected: true,
        error: expect.stringMatching(/disconnected/),
      }),
    ]);
    expect(dataRequests(env)).toBe(0);
    expect((await env.session.districts.findByCleverId(env.districtId))?.isActive).toBe(false);
    const history = await env.session.history.list({ runId: result.runId });
    expect(history.find((h) => h.entity === 'districts')?.counts.archived).toBe(1);
  });
});
