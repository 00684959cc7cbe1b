/**
 * What real Clever sends that an idealised Clever would not, end to end: the emulator over real
 * HTTP (with its fidelity options), the real client, the sync engine, and rows in real databases.
 * v3.1 fields, `null`s, grades below kindergarten, users with two roles, an email only inside the
 * teacher role, districts.* and sections.* events, two rate-limit buckets, an HTML 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRecord } from '../../../emulator/index.js';
import { parseUser } from '../../../src/clever/api/index.js';
import { foldEvents } from '../../../src/sync/execute/events.js';
import { mapStudent } from '../../../src/sync/execute/mapping.js';
import {
  createSyncEnv,
  expectDatabasesMatchEmulator,
  expectedRoster,
  type Provider,
  postgresAvailable,
  queryRoster,
  readRoster,
  type SyncEnv,
  schoolIds,
} from './support.js';

const V31_COLUMNS = {
  preferred_first_name: 'preferredFirstName',
  preferred_middle_name: 'preferredMiddleName',
  preferred_last_name: 'preferredLastName',
  gifted_status: 'giftedStatus',
  section504_status: 'section504Status',
  disability_status: 'disabilityStatus',
  disability_code: 'disabilityCode',
  disability_type: 'disabilityType',
  iep_status: 'iepStatus',
  frl_status: 'frlStatus',
  home_language: 'homeLanguage',
  home_language_code: 'homeLanguageCode',
} as const;

async function v31Columns(env: SyncEnv, schoolId: string) {
  return queryRoster(
    env,
    schoolId,
    `SELECT clever_id, ${Object.keys(V31_COLUMNS).join(', ')} FROM students WHERE is_active = ${
      env.provider === 'sqlite' ? 1 : 'true'
    } ORDER BY clever_id`,
  );
}

/** The v3.1 columns as the emulator's v3.1 records say they should be stored. */
function expectedV31Columns(env: SyncEnv, schoolId: string) {
  return [...env.emulator.truth.as('v3.1').studentsOfSchool(schoolId)]
    .map((record) => {
      const row = mapStudent(parseUser(record))!;
      return {
        clever_id: row.cleverId,
        ...Object.fromEntries(Object.entries(V31_COLUMNS).map(([column, field]) => [column, row[field]])),
      };
    })
    .sort((a, b) => (a.clever_id < b.clever_id ? -1 : 1));
}

describe.each<Provider>(['sqlite', 'postgresql'])('Data API v3.0 and v3.1 end to end on %s', (provider) => {
  const skip = provider === 'postgresql' && !postgresAvailable;
  let env: SyncEnv;
  beforeAll(async () => {
    if (skip) return;
    env = await createSyncEnv(provider, {
      seed: 'fidelity-versions',
      schoolsPerDistrict: 2,
      studentsPerSchool: 25,
      teachersPerSchool: 3,
      staffPerSchool: 1,
      multiSchoolShare: 0.1,
    });
  });
  afterAll(async () => {
    await env?.dispose();
  });

  it.skipIf(skip)('on v3.0 the v3.1 columns stay null', async () => {
    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('Succeeded');
    for (const school of schoolIds(env)) {
      const rows = await v31Columns(env, school);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows)
        for (const column of Object.keys(V31_COLUMNS)) expect([column, row[column]]).toEqual([column, null]);
    }
  });

  it.skipIf(skip)('with CLEVER_API_VERSION=v3.1 a full sync stores every v3.1 student field', async () => {
    env.restart({ cleverSettings: { CLEVER_API_VERSION: 'v3.1' } });
    env.emulator.resetStats();
    const result = await env.service.syncAllDistricts({ full: true, trigger: 'test' });
    expect(result.status).toBe('Succeeded');
    expect(result.counts.updated).toBeGreaterThan(0);
    expect(env.emulator.stats().total).toBeGreaterThan(0);
    const stored = [];
    for (const school of schoolIds(env)) {
      const rows = await v31Columns(env, school);
      expect(rows).toEqual(expectedV31Columns(env, school));
      stored.push(...rows);
    }
    // The fixture really carries each field somewhere (the comparison above is not all nulls).
    for (const column of Object.keys(V31_COLUMNS))
      expect(
        stored.some((row) => row[column] !== null),
        column,
      ).toBe(true);
    await expectDatabasesMatchEmulator(env, expect);
  });
});

describe.each<Provider>(['sqlite', 'postgresql'])(
  'what real districts send, end to end on %s',
  (provider) => {
    const skip = provider === 'postgresql' && !postgresAvailable;
    let env: SyncEnv;
    let roleOnlyEmail: UserRecord;
    beforeAll(async () => {
      if (skip) return;
      env = await createSyncEnv(provider, {
        seed: 'fidelity-shapes',
        schoolsPerDistrict: 4,
        studentsPerSchool: 24,
        teachersPerSchool: 4,
        staffPerSchool: 2,
        multiSchoolShare: 0.1,
        multiRoleShare: 0.5,
        sendNulls: true,
        earlyLearningSchools: true,
      });
      // A teacher whose address Clever carries only inside the role (null removes the top-level one).
      const teacher = [...env.emulator.truth.users(env.districtId, 'teacher')].find(
        (u) => typeof u.roles.teacher?.email === 'string' && u.roles.teacher.email !== '' && !u.roles.student,
      )!;
      roleOnlyEmail = env.emulator.admin.updateUser(teacher.id, { email: null });
    });
    afterAll(async () => {
      await env?.dispose();
    });

    it.skipIf(skip)('a full sync equals the emulator; nulls are stored as null', async () => {
      const result = await env.service.syncAllDistricts({ trigger: 'test' });
      expect(result.status).toBe('Succeeded');
      await expectDatabasesMatchEmulator(env, expect);

      const students = (await Promise.all(schoolIds(env).map((s) => readRoster(env, s, 'students')))).flat();
      const byId = new Map(students.map((row) => [row.cleverId, row]));
      const served = [...env.emulator.truth.users(env.districtId, 'student')];
      const nullEmail = served.find((u) => u.email === null && u.roles.student?.dob === null);
      expect(nullEmail, 'the fixture has a student with null email and dob').toBeDefined();
      expect(byId.get(nullEmail!.id)).toMatchObject({ email: null, dob: null });
      const nullMiddle = served.find((u) => u.name.middle === null)!;
      const [middle] = await queryRoster(
        env,
        nullMiddle.roles.student!.school,
        `SELECT middle_name, location_json FROM students WHERE clever_id = '${nullMiddle.id}'`,
      );
      expect(middle!.middle_name).toBeNull();
    });

    it.skipIf(skip)('stores InfantToddler and Preschool as Clever sends them', async () => {
      const early = schoolIds(env)[0]!;
      const grades = new Set((await readRoster(env, early, 'students')).map((row) => row.grade));
      expect(grades.has('InfantToddler')).toBe(true);
      expect(grades.has('Preschool')).toBe(true);
      const [school] = await env.session.schools
        .list({ activeOnly: true })
        .then((all) => all.filter((s) => s.cleverSchoolId === early));
      expect(school).toMatchObject({ lowGrade: 'InfantToddler', highGrade: 'PreKindergarten' });
    });

    it.skipIf(skip)(
      'puts a two-role user in both tables, once each, and counts it once per table',
      async () => {
        const twoRoles = [...env.emulator.truth.users(env.districtId)].filter(
          (u) => (u.roles.student && u.roles.teacher) || (u.roles.teacher && u.roles.staff),
        );
        expect(twoRoles.some((u) => u.roles.student && u.roles.teacher)).toBe(true);
        expect(twoRoles.some((u) => u.roles.teacher && u.roles.staff)).toBe(true);
        const studentTeacher = twoRoles.find((u) => u.roles.student && u.roles.teacher)!;
        const school = studentTeacher.roles.student!.school;
        const students = await readRoster(env, school, 'students');
        const teachers = await readRoster(env, school, 'teachers');
        expect(students.filter((r) => r.cleverId === studentTeacher.id)).toHaveLength(1);
        expect(teachers.filter((r) => r.cleverId === studentTeacher.id)).toHaveLength(1);

        // Each school's history counts every distinct user of the entity exactly once.
        const run = (await env.session.runs.listRecent(1))[0]!;
        const history = await env.session.history.list({ runId: run.runId, limit: 100 });
        for (const cleverSchoolId of schoolIds(env)) {
          const stored = (await env.session.schools.findByCleverId(cleverSchoolId))!;
          for (const entity of ['students', 'teachers'] as const) {
            const expected = expectedRoster(env, cleverSchoolId, entity).length;
            const row = history.find((h) => h.schoolId === stored.id && h.entity === entity)!;
            expect(row.counts, `${cleverSchoolId} ${entity}`).toMatchObject({
              processed: expected,
              created: expected,
            });
            expect((await readRoster(env, cleverSchoolId, entity)).length).toBe(expected);
          }
        }
        // A teacher who also teaches as staff shows up among teachers of the primary school.
        const teachingStaff = twoRoles.find((u) => u.roles.teacher && u.roles.staff)!;
        const staffSchool = teachingStaff.roles.teacher!.school;
        expect((await readRoster(env, staffSchool, 'teachers')).map((r) => r.cleverId)).toContain(
          teachingStaff.id,
        );
      },
    );

    it.skipIf(skip)('keeps the email Clever sends only inside the teacher role', async () => {
      expect(roleOnlyEmail).not.toHaveProperty('email');
      const school = roleOnlyEmail.roles.teacher!.school;
      const row = (await readRoster(env, school, 'teachers')).find((r) => r.cleverId === roleOnlyEmail.id);
      expect(row?.email).toBe(roleOnlyEmail.roles.teacher!.email);
    });

    it.skipIf(skip)(
      'ignores districts.* events and applies users.* and sections.* ones, in order, and moves on',
      async () => {
        const admin = env.emulator.admin;
        const [s1] = schoolIds(env) as [string];
        const teacher = [...env.emulator.truth.teachersOfSchool(s1)][0]!;
        const kids = [...env.emulator.truth.studentsOfSchool(s1)].slice(0, 2);
        const cursor = env.emulator.truth.latestEventId(env.districtId);
        admin.updateDistrict(env.districtId, { name: 'Distrito Renombrado' });
        const section = admin.createSection(env.districtId, {
          schoolId: s1,
          teacherIds: [teacher.id],
          studentIds: kids.map((k) => k.id),
        });
        admin.updateUser(kids[0]!.id, { name: { first: 'Renée-Événement' } });
        admin.updateSection(section.id, { name: 'Biología' });
        admin.deleteSection(section.id);
        const served = env.emulator.truth.events(env.districtId);
        const userEvent = served.find((e) => e.type === 'users.updated' && e.id > (cursor ?? ''))!;

        // Read as Clever lists them (no record_type filter): a users-only fold ignores four of
        // them, a fold of every roster only the district's.
        const api = env.clever.forDistrict(env.districtId);
        const events = [];
        for await (const page of api.getEvents(cursor ? { startingAfter: cursor } : {})) events.push(...page);
        expect(events.map((e) => e.type)).toEqual([
          'districts.updated',
          'sections.created',
          'users.updated',
          'sections.updated',
          'sections.deleted',
        ]);
        const fold = foldEvents(events, new Map([[s1, '000000000000000000000000']]));
        expect(fold).toMatchObject({ ignored: 4, unreadable: 0 });
        expect([...fold.bySchool.get(s1)!.entities.get('students')!.ops.keys()]).toEqual([kids[0]!.id]);
        const everything = foldEvents(events, new Map([[s1, '000000000000000000000000']]), [
          'students',
          'teachers',
          'sections',
          'courses',
          'terms',
        ]);
        expect(everything).toMatchObject({ ignored: 1, unreadable: 0 });
        // Created, renamed, then deleted in one pass: the last state wins.
        expect(everything.bySchool.get(s1)!.entities.get('sections')!.ops.get(section.id)).toEqual({
          kind: 'archive',
        });

        const result = await env.service.syncAllDistricts({ trigger: 'test' });
        expect(result.status).toBe('Succeeded');
        // users, sections, courses and terms events are asked for: not the district's.
        expect(result.districts[0]!.mode).toMatchObject({ fullSchools: 0, eventsApplied: 4 });
        expect(result.counts.updated).toBeGreaterThanOrEqual(1);
        await expectDatabasesMatchEmulator(env, expect);
        expect(
          await queryRoster(env, s1, `SELECT clever_id FROM sections WHERE clever_id = '${section.id}'`),
        ).toEqual([]);
        // Cursors reach the last event asked for: the section's deletion, after the user's update.
        const lastAsked = served.filter((e) => !e.type.startsWith('districts.')).at(-1)!;
        expect(lastAsked.id > userEvent.id).toBe(true);
        for (const school of await env.session.schools.list({ activeOnly: true }))
          expect(school.eventsCursor).toBe(lastAsked.id);

        // After a full sync the cursor is the newest event, here a sections event: a valid place
        // to continue from.
        const full = await env.service.syncAllDistricts({ full: true, trigger: 'test' });
        expect(full.status).toBe('Succeeded');
        const newest = env.emulator.truth.latestEventId(env.districtId);
        expect(served.at(-1)).toMatchObject({ id: newest, type: 'sections.deleted' });
        for (const school of await env.session.schools.list({ activeOnly: true }))
          expect(school.eventsCursor).toBe(newest);
        admin.updateUser(kids[1]!.id, { name: { last: 'Después' } });
        admin.updateDistrict(env.districtId, { name: 'Distrito Otra Vez' });
        const again = await env.service.syncAllDistricts({ trigger: 'test' });
        expect(again.status).toBe('Succeeded');
        expect(again.districts[0]!.mode).toMatchObject({ fullSchools: 0, eventsApplied: 1 });
        await expectDatabasesMatchEmulator(env, expect);
      },
    );
  },
);

describe('Clever’s HTTP edges, end to end (SQLite)', () => {
  let env: SyncEnv;
  afterAll(async () => {
    await env?.dispose();
  });

  it('turns an HTML 404 for an unknown route into CLEVER_NOT_FOUND without quoting the page', async () => {
    env = await createSyncEnv(
      'sqlite',
      {
        seed: 'fidelity-http',
        schoolsPerDistrict: 2,
        studentsPerSchool: 6,
        teachersPerSchool: 2,
        staffPerSchool: 0,
        // Three requests per 3-second window: a sync of ~8 requests cannot finish without pacing.
        burstRateLimit: { requests: 3, windowSeconds: 3 },
      },
      // One school at a time: right after a window rolls over the client knows no remaining count
      // until an answer arrives, so more concurrent requests than a tiny window allows would 429.
      { maxConcurrentSchools: 1 },
    );
    const api = env.clever.forDistrict(env.districtId);
    const failure = await (async () => {
      for await (const _ of api.getPagedData('/no-such-route', (raw) => raw)) return undefined;
      return undefined;
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'CLEVER_NOT_FOUND', status: 404 });
    const error = failure as Error & { cleverMessage?: string };
    expect(error.cleverMessage).toBe('404 Not Found');
    const serialized = `${error.message} ${JSON.stringify(error)} ${env.lines.join('\n')}`;
    expect(serialized).not.toMatch(/<\/?(html|title|body|center|hr)/i);
  });

  it('paces itself by the binding one of two comma-separated rate-limit buckets: no 429', async () => {
    env.emulator.resetStats();
    const before = env.clever.metrics();
    const result = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(result.status).toBe('Succeeded');
    await expectDatabasesMatchEmulator(env, expect);
    const stats = env.emulator.stats();
    expect(stats.total).toBeGreaterThanOrEqual(6);
    expect(stats.byStatus[429]).toBeUndefined();
    const after = env.clever.metrics();
    expect(after.rateLimited - before.rateLimited).toBe(0);
    expect(after.rateLimitWaits - before.rateLimitWaits).toBeGreaterThan(0);
    expect(env.lines.some((line) => line.includes('"reason":"server-remaining"'))).toBe(true);
  });
});
