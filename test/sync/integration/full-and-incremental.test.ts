import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRecord } from '../../../emulator/index.js';
import type { SyncRunResult } from '../../../src/sync/types.js';
import {
  createSyncEnv,
  dataRequests,
  expectDatabasesMatchEmulator,
  expectedRoster,
  type Provider,
  providerAvailable,
  queryRoster,
  readRoster,
  type SyncEnv,
  schoolIds,
} from './support.js';

/**
 * The engine end to end: emulator over HTTP, real auth and Data API client, real SessionDb and
 * school databases. One district of 6 schools x 30 students; the steps build on each other.
 */
describe.each<Provider>(['sqlite', 'postgresql', 'sqlserver'])(
  'sync against the emulator on %s',
  (provider) => {
    const skip = !providerAvailable(provider);
    let env: SyncEnv;
    let first: SyncRunResult;
    let fullRequests: number;

    beforeAll(async () => {
      if (skip) return;
      env = await createSyncEnv(provider);
    });
    afterAll(async () => {
      await env?.dispose();
    });

    it.skipIf(skip)('a full sync of a multi-school district equals the emulator’s data', async () => {
      env.emulator.resetStats();
      first = await env.service.syncAllDistricts({ trigger: 'test' });
      fullRequests = dataRequests(env);
      expect(first.status).toBe('Succeeded');
      expect(first.schoolsTotal).toBe(6);
      expect(
        first.districts[0]!.schools.every((s) => s.syncType === 'Full' && s.reason === 'never-synced'),
      ).toBe(true);
      await expectDatabasesMatchEmulator(env, expect);

      const schools = await env.session.schools.list({ activeOnly: true });
      expect(schools.map((s) => s.cleverSchoolId).sort()).toEqual(schoolIds(env).sort());
      const latest = env.emulator.truth.latestEventId(env.districtId) ?? '000000000000000000000000';
      for (const school of schools) {
        expect(school.eventsCursor).toBe(latest);
        expect(school.lastSuccessfulSyncAt).not.toBeNull();
        expect(school.databaseName).not.toBeNull();
      }
    });

    it.skipIf(skip)('records exact SyncHistory counts and a completed SyncRun', async () => {
      const rows = await env.session.history.list({ runId: first.runId, limit: 100 });
      expect(rows.every((r) => r.status === 'Succeeded' && r.completedAt !== null)).toBe(true);
      // Discovery, the district's own row, its school list, and 6 schools x (students, teachers,
      // sections, courses, terms, enrollments).
      expect(rows).toHaveLength(1 + 1 + 1 + 6 * 6);
      for (const cleverSchoolId of schoolIds(env)) {
        const school = (await env.session.schools.findByCleverId(cleverSchoolId))!;
        for (const entity of ['students', 'teachers'] as const) {
          const row = rows.find((r) => r.schoolId === school.id && r.entity === entity)!;
          const expected = expectedRoster(env, cleverSchoolId, entity).length;
          expect(row.counts).toEqual({
            processed: expected,
            created: expected,
            updated: 0,
            archived: 0,
            restored: 0,
            failed: 0,
            invalid: 0,
          });
          expect(row).toMatchObject({ syncType: 'Full', trigger: 'test', districtId: school.districtId });
        }
      }
      for (const cleverSchoolId of schoolIds(env)) {
        const school = (await env.session.schools.findByCleverId(cleverSchoolId))!;
        const sections = [...env.emulator.truth.sections(env.districtId, cleverSchoolId)];
        const links = sections.reduce(
          (sum, s) => sum + s.students.length + new Set([s.teacher, ...s.teachers].filter(Boolean)).size,
          0,
        );
        const counts = (entity: string) =>
          rows.find((r) => r.schoolId === school.id && r.entity === entity)?.counts;
        expect(counts('sections')).toMatchObject({ processed: sections.length, created: sections.length });
        expect(counts('enrollments')).toMatchObject({ processed: links, created: links, archived: 0 });
      }
      expect(rows.find((r) => r.entity === 'schools')?.counts).toMatchObject({ processed: 6, created: 6 });
      const run = (await env.session.runs.get(first.runId))!;
      expect(run).toMatchObject({
        status: 'Succeeded',
        scope: 'all',
        schoolsTotal: 6,
        schoolsCompleted: 6,
        schoolsFailed: 0,
      });
      expect(run.counts).toEqual(first.counts);
      expect(run.completedAt).not.toBeNull();
    });

    it.skipIf(skip)('a second run changes nothing and reads no rosters', async () => {
      env.emulator.resetStats();
      const second = await env.service.syncAllDistricts({ trigger: 'test' });
      expect(second.status).toBe('Succeeded');
      expect(second.counts).toMatchObject({
        processed: 0,
        created: 0,
        updated: 0,
        archived: 0,
        restored: 0,
        invalid: 0,
      });
      expect(second.districts[0]!.mode).toMatchObject({
        incrementalSchools: 6,
        fullSchools: 0,
        eventsApplied: 0,
      });
      expect(env.emulator.stats().byRoute['/schools/{id}/users']).toBeUndefined();

      const full = await env.service.syncAllDistricts({ full: true, trigger: 'test' });
      expect(full.counts).toMatchObject({ created: 0, updated: 0, archived: 0, restored: 0 });
      await expectDatabasesMatchEmulator(env, expect);
    });

    it.skipIf(skip)(
      'after creates, updates, deletes and moves, an incremental run equals the emulator with few requests',
      async () => {
        const [s1, s2, s3] = schoolIds(env) as [string, string, string];
        const admin = env.emulator.admin;
        const students = [...env.emulator.truth.studentsOfSchool(s1)].filter(
          (u: UserRecord) => u.roles.student?.schools.length === 1,
        );
        admin.createUser(env.districtId, {
          role: 'student',
          schoolId: s2,
          name: { first: 'Émile', last: 'Nouveau' },
        });
        admin.createUser(env.districtId, { role: 'teacher', schoolId: s3, otherSchoolIds: [s1] });
        admin.updateUser(students[0]!.id, { name: { first: 'Renée' }, roles: { student: { grade: '5' } } });
        admin.deleteUser(students[1]!.id);
        admin.moveUser(students[2]!.id, s3, { fromSchoolId: s1 });
        const deletedId = students[1]!.id;
        const events = env.emulator.truth.events(env.districtId).length;

        env.emulator.resetStats();
        const result = await env.service.syncAllDistricts({ trigger: 'test' });
        const requests = dataRequests(env);
        expect(result.status).toBe('Succeeded');
        expect(result.districts[0]!.mode.eventsApplied).toBeGreaterThanOrEqual(5);
        await expectDatabasesMatchEmulator(env, expect);
        // Archived, not deleted: the row stays, inactive.
        expect((await readRoster(env, s1, 'students')).find((r) => r.cleverId === deletedId)?.isActive).toBe(
          false,
        );
        // district + schools (1 page of 10) + events (pages of 10): proportional to the changes, not the roster.
        expect(requests).toBeLessThanOrEqual(2 + Math.ceil(events / 10) + 1);
        expect(requests * 5).toBeLessThan(fullRequests);
        const lastEvent = env.emulator.truth.latestEventId(env.districtId);
        for (const school of await env.session.schools.list({ activeOnly: true }))
          expect(school.eventsCursor).toBe(lastEvent);

        const s1Record = (await env.session.schools.findByCleverId(s1))!;
        const history = await env.session.history.list({ runId: result.runId, schoolId: s1Record.id });
        const s1Students = history.find((h) => h.entity === 'students')!;
        expect(s1Students).toMatchObject({
          syncType: 'Incremental',
          status: 'Succeeded',
          eventCursor: lastEvent,
        });
        expect(s1Students.counts).toMatchObject({ updated: 1, archived: 2, created: 0 });
      },
    );

    it.skipIf(skip)('re-sharing a deleted user restores its archived row', async () => {
      const s1 = schoolIds(env)[0]!;
      const archived = (await readRoster(env, s1, 'students')).find((r) => !r.isActive)!;
      env.emulator.admin.restoreUser(archived.cleverId);
      const result = await env.service.syncAllDistricts({ trigger: 'test' });
      expect(result.counts.restored).toBe(1);
      expect(
        (await readRoster(env, s1, 'students')).find((r) => r.cleverId === archived.cleverId)?.isActive,
      ).toBe(true);
      await expectDatabasesMatchEmulator(env, expect);
    });

    it.skipIf(skip)('holds a mass archive, then applies it with force', async () => {
      const s4 = schoolIds(env)[3]!;
      const only = [...env.emulator.truth.studentsOfSchool(s4)].filter(
        (u) => u.roles.student?.schools.length === 1,
      );
      const before = (await readRoster(env, s4, 'students')).filter((r) => r.isActive).length;
      const removed = only.slice(0, Math.ceil(before * 0.4));
      for (const user of removed) env.emulator.admin.deleteUser(user.id);

      const held = await env.service.syncAllDistricts({ full: true, trigger: 'test' });
      expect(held.status).toBe('Held');
      const school = held.districts[0]!.schools.find((s) => s.cleverSchoolId === s4)!;
      expect(school.status).toBe('Held');
      expect(school.warnings.join(' ')).toMatch(
        new RegExp(`would archive ${removed.length} of ${before} active rows`),
      );
      expect((await readRoster(env, s4, 'students')).filter((r) => r.isActive)).toHaveLength(before);
      const heldRow = (await env.session.history.list({ runId: held.runId })).find(
        (h) => h.status === 'Held',
      )!;
      expect(JSON.parse(heldRow.warningsJson!).join(' ')).toMatch(/archive held/);
      expect(
        env.alerts.some((a) => a.name === 'CleverSyncArchiveHeld' && a.properties.cleverSchoolId === s4),
      ).toBe(true);
      expect((await env.session.schools.findByCleverId(s4))?.requiresFullSync).toBe(true);

      const forced = await env.service.syncSchool(s4, { force: true, trigger: 'test' });
      expect(forced.status).toBe('Succeeded');
      expect(forced.counts.archived).toBe(removed.length);
      await expectDatabasesMatchEmulator(env, expect);
      expect((await env.session.schools.findByCleverId(s4))?.requiresFullSync).toBe(false);
    });

    it.skipIf(skip)('a dry run plans the pending changes without writing', async () => {
      const s5 = schoolIds(env)[4]!;
      const added = env.emulator.admin.createUser(env.districtId, { role: 'student', schoolId: s5 });
      const [section] = env.emulator.truth.sections(env.districtId, s5);
      env.emulator.admin.enrolStudent(section!.id, added.id);
      const before = await readRoster(env, s5, 'students');
      const plan = await env.service.syncSchool(s5, { dryRun: true, trigger: 'test' });
      const schoolPlan = plan.districts[0]!.schools[0]!.plan!;
      const students = schoolPlan.students;
      expect(students).toMatchObject({ creates: 1, updates: 0, archives: 0, restores: 0 });
      expect(students.samples.creates).toEqual([added.id]);
      // The section whose list changed would be updated and gain exactly the one enrollment.
      expect(schoolPlan.sections).toMatchObject({ creates: 0, updates: 1, archives: 0 });
      expect(schoolPlan.enrollments).toMatchObject({ added: 1, removed: 0 });
      expect(await readRoster(env, s5, 'students')).toEqual(before);
      const links = await queryRoster(
        env,
        s5,
        `SELECT student_clever_id FROM section_students WHERE student_clever_id = '${added.id}'`,
      );
      expect(links).toEqual([]);
      const run = (await env.session.runs.get(plan.runId))!;
      expect(run).toMatchObject({ dryRun: true, status: 'Succeeded' });
      expect(await env.session.history.list({ runId: plan.runId })).toHaveLength(0);
    });
  },
);
