/**
 * What makes the emulator answer like real Clever beyond its default data: v3.1 record shapes,
 * `null`s, grades below kindergarten, users with two roles, districts.* and sections.* events,
 * two rate-limit buckets. The default data itself must not change (the demo and many tests
 * compare against it), so it is pinned by a fingerprint.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorHandle,
  type EventRecord,
  startEmulator,
  type UserRecord,
} from '../../emulator/index.js';
import { collectIds, districtToken, emulatorStarter, get, jsonOf } from './helpers.js';

const emulator = emulatorStarter();

async function users(emu: EmulatorHandle, version = 'v3.0', query = ''): Promise<UserRecord[]> {
  const { body } = await get(emu, `/${version}/users?limit=10000${query}`, districtToken(emu));
  return body.data.map((item: { data: UserRecord }) => item.data);
}

// Exactly the fields Clever's v3.1 definitions add to v3.0 (compared by hand, see docs/emulator.md).
const V31_STUDENT = [
  'disability',
  'frl_status',
  'gifted_status',
  'home_language',
  'home_language_code',
  'iep_status',
  'preferred_name',
  'section_504_status',
];

function withoutV31(user: UserRecord): UserRecord {
  const { lms_status: _lms, ...rest } = user;
  const student = user.roles.student;
  if (student === undefined) return rest as UserRecord;
  const cut = Object.fromEntries(Object.entries(student).filter(([key]) => !V31_STUDENT.includes(key)));
  return { ...rest, roles: { ...user.roles, student: cut } } as UserRecord;
}

describe('default data', () => {
  it('is byte for byte what it was before the fidelity options existed', async () => {
    const emu = await emulator({});
    const hash = createHash('sha256');
    for (const path of ['/v3.0/districts', '/v3.0/schools', '/v3.0/users?limit=10000']) {
      hash.update((await get(emu, path, districtToken(emu))).text);
    }
    // Recorded from the emulator before v3.1 shapes, nulls, early grades and two-role users.
    expect(hash.digest('hex')).toBe('4d4b418bc37331d44608b37403a52e57ca9f0bbd754f4a78119dfc7b275af866');
  });
});

describe('v3.0 and v3.1 shapes', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await emulator({ seed: 'versions', schoolsPerDistrict: 2, studentsPerSchool: 60 });
  });

  it('serves the v3.1 fields under /v3.1 only; everything else is identical', async () => {
    const [v30, v31] = await Promise.all([users(emu, 'v3.0'), users(emu, 'v3.1')]);
    expect(v31.map(withoutV31)).toEqual(v30);
    const students = v31.filter((u) => u.roles.student !== undefined).map((u) => u.roles.student!);
    const seen = new Set(students.flatMap((s) => Object.keys(s)));
    for (const field of V31_STUDENT) expect(seen.has(field), field).toBe(true);
    expect(v31.some((u) => typeof u.lms_status?.synced_in_lms === 'boolean')).toBe(true);
    expect(students.some((s) => (s.preferred_name as { first?: string } | undefined)?.first)).toBe(true);
    expect(
      students.some((s) => (s.disability as { disability_status?: string })?.disability_status === 'Y'),
    ).toBe(true);
    for (const s of v30.flatMap((u) => (u.roles.student ? [u.roles.student] : []))) {
      for (const field of V31_STUDENT) expect(s, field).not.toHaveProperty(field);
    }
    // Teachers and staff are the same in both versions.
    const teacher = v31.find((u) => u.roles.teacher !== undefined)!;
    expect(v30.find((u) => u.id === teacher.id)!.roles.teacher).toEqual(teacher.roles.teacher);
  });

  it('adds the v3.1 district fields under /v3.1, and the truth view follows the version asked for', async () => {
    const token = districtToken(emu);
    const districtId = emu.districts[0]!.id;
    const v30 = (await get(emu, `/v3.0/districts/${districtId}`, token)).body.data;
    const v31 = (await get(emu, `/v3.1/districts/${districtId}`, token)).body.data;
    expect(
      Object.keys(v31)
        .filter((key) => !(key in v30))
        .sort(),
    ).toEqual(['last_attendance_sync', 'lms_state', 'lms_type']);
    expect(emu.truth.district(districtId)).toEqual(v30);
    expect(emu.truth.as('v3.1').district(districtId)).toEqual(v31);
    const school = [...emu.truth.schools(districtId)][0]!;
    const served = await get(emu, `/v3.1/schools/${school.id}/users?role=student&limit=10000`, token);
    expect(served.body.data.map((i: { data: UserRecord }) => i.data)).toEqual([
      ...emu.truth.as('v3.1').studentsOfSchool(school.id),
    ]);
  });

  it('cuts v3.1 fields out of v3.0 events, without leaving empty objects behind', async () => {
    const districtId = emu.districts[0]!.id;
    const student = [...emu.truth.users(districtId, 'student')][0]!;
    const cursor = emu.truth.latestEventId(districtId);
    const returned = emu.admin.updateUser(student.id, {
      roles: { student: { preferred_name: { first: 'Zed' } } },
    });
    expect(returned.roles.student).not.toHaveProperty('preferred_name');
    const eventsAfter = (version: string) =>
      get(emu, `/${version}/events${cursor ? `?starting_after=${cursor}` : ''}`, districtToken(emu));
    const [v30, v31] = (await Promise.all([eventsAfter('v3.0'), eventsAfter('v3.1')])).map(
      (r) => r.body.data.at(-1).data as EventRecord,
    );
    expect((v31!.data.object as UserRecord).roles.student!.preferred_name).toEqual({ first: 'Zed' });
    expect(v31!.data.previous_attributes).toHaveProperty('roles.student.preferred_name');
    expect(v30!.data.object).toEqual(emu.truth.user(student.id));
    expect(v30!.data.previous_attributes).toEqual({ last_modified: student.last_modified });
  });
});

describe('null, early grades and two-role users (options)', () => {
  it('sendNulls sends null where the default data leaves an optional field out, nothing else changes', async () => {
    const shape = { seed: 'nulls', schoolsPerDistrict: 2, studentsPerSchool: 80 };
    const [plain, nulls] = await Promise.all([emulator(shape), emulator({ ...shape, sendNulls: true })]);
    const [without, withNulls] = await Promise.all([users(plain), users(nulls)]);
    const dropNulls = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(dropNulls)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .filter(([, v]) => v !== null)
                .map(([k, v]) => [k, dropNulls(v)]),
            )
          : value;
    expect(withNulls.map(dropNulls)).toEqual(without);
    expect(withNulls.some((u) => u.email === null)).toBe(true);
    expect(withNulls.some((u) => u.name.middle === null)).toBe(true);
    expect(withNulls.some((u) => u.roles.student?.dob === null)).toBe(true);
    expect(withNulls.some((u) => u.roles.student?.location === null)).toBe(true);
    const school = (await get(nulls, '/v3.0/schools', districtToken(nulls))).text;
    expect(school).toContain(':null');
  });

  it('earlyLearningSchools makes every fourth school an early learning center with InfantToddler and Preschool', async () => {
    const emu = await emulator({
      seed: 'early',
      schoolsPerDistrict: 4,
      studentsPerSchool: 40,
      earlyLearningSchools: true,
    });
    const token = districtToken(emu);
    const schools = (await get(emu, '/v3.0/schools', token)).body.data.map((i: { data: unknown }) => i.data);
    expect(schools[0]).toMatchObject({ low_grade: 'InfantToddler', high_grade: 'PreKindergarten' });
    expect(schools[0].name).toMatch(/Early Learning Center$/);
    expect(schools[1]).toMatchObject({ low_grade: 'Kindergarten' });
    const grades = new Set(
      (await get(emu, `/v3.0/schools/${schools[0].id}/users?role=student&limit=100`, token)).body.data.map(
        (i: { data: UserRecord }) => i.data.roles.student!.grade,
      ),
    );
    expect(grades.has('InfantToddler')).toBe(true);
    expect(grades.has('Preschool')).toBe(true);
  });

  it('multiRoleShare gives teachers a student role and staff a teacher role, listed once per list', async () => {
    const emu = await emulator({
      seed: 'roles',
      schoolsPerDistrict: 3,
      studentsPerSchool: 20,
      teachersPerSchool: 6,
      staffPerSchool: 4,
      multiRoleShare: 0.5,
    });
    const token = districtToken(emu);
    const districtId = emu.districts[0]!.id;
    const all = await users(emu);
    const studentTeachers = all.filter((u) => u.roles.student && u.roles.teacher);
    const teachingStaff = all.filter((u) => u.roles.teacher && u.roles.staff);
    expect(studentTeachers.length).toBe(9); // every second of 18 teachers
    expect(teachingStaff.length).toBe(6); // every second of 12 staff
    expect(new Set(all.map((u) => u.id)).size).toBe(all.length);
    for (const user of [...studentTeachers, ...teachingStaff]) {
      const second = user.roles.student ?? user.roles.teacher!;
      const first = user.roles.teacher && user.roles.student ? user.roles.teacher : user.roles.staff!;
      expect(second.schools).toEqual([first.schools[0]]);
    }

    const byRole = async (role: string) => (await users(emu, 'v3.0', `&role=${role}`)).map((u) => u.id);
    const studentIds = await byRole('student');
    for (const u of studentTeachers) expect(studentIds).toContain(u.id);
    expect(new Set(studentIds).size).toBe(studentIds.length);
    const teacherIds = await byRole('teacher');
    for (const u of teachingStaff) expect(teacherIds).toContain(u.id);

    for (const school of emu.truth.schools(districtId)) {
      for (const [role, expected] of [
        ['student', emu.truth.studentsOfSchool(school.id)],
        ['teacher', emu.truth.teachersOfSchool(school.id)],
      ] as const) {
        const listed = await collectIds(emu, `/v3.0/schools/${school.id}/users?role=${role}&limit=7`, token);
        expect(listed.ids).toEqual([...expected].map((u) => u.id));
        expect(new Set(listed.ids).size).toBe(listed.ids.length);
      }
      const primary = await get(
        emu,
        `/v3.0/schools/${school.id}/users?role=student&primary=true&limit=100`,
        token,
      );
      const primaryIds = primary.body.data.map((i: { data: UserRecord }) => i.data.id);
      for (const u of studentTeachers.filter((s) => s.roles.student!.school === school.id))
        expect(primaryIds).toContain(u.id);
      const everyone = await collectIds(emu, `/v3.0/schools/${school.id}/users?limit=5`, token);
      expect(new Set(everyone.ids).size).toBe(everyone.ids.length);
    }
  });

  it('rejects bad option values with a message naming the option', async () => {
    await expect(startEmulator({ multiRoleShare: 2 })).rejects.toThrow(/multiRoleShare/);
    await expect(startEmulator({ burstRateLimit: { requests: 10, windowSeconds: 0 } })).rejects.toThrow(
      /burstRateLimit.windowSeconds/,
    );
  });
});

describe('districts.* and sections.* events', () => {
  it('come from admin changes, with /sections serving what was created', async () => {
    const emu = await emulator({
      seed: 'events',
      schoolsPerDistrict: 2,
      studentsPerSchool: 5,
      teachersPerSchool: 2,
      // Only the admin-created section, so the lists and events below are exactly its own.
      sections: false,
    });
    const districtId = emu.districts[0]!.id;
    const token = districtToken(emu);
    const [school] = [...emu.truth.schools(districtId)];
    const teacher = [...emu.truth.teachersOfSchool(school!.id)][0]!;
    const students = [...emu.truth.studentsOfSchool(school!.id)].slice(0, 3).map((u) => u.id);

    emu.admin.updateDistrict(districtId, { name: 'Renamed District' });
    const section = emu.admin.createSection(districtId, {
      schoolId: school!.id,
      name: 'Álgebra I',
      teacherIds: [teacher.id],
      studentIds: students,
      fields: { subject: 'math', grade: '9' },
    });
    emu.admin.updateSection(section.id, { name: 'Álgebra II' });
    expect((await get(emu, `/v3.0/sections/${section.id}`, token)).body.data).toMatchObject({
      name: 'Álgebra II',
      teacher: teacher.id,
      students,
    });
    expect((await get(emu, `/v3.0/schools/${school!.id}/sections`, token)).body.data).toHaveLength(1);
    emu.admin.deleteSection(section.id);
    expect((await get(emu, `/v3.0/sections/${section.id}`, token)).status).toBe(404);
    expect((await get(emu, '/v3.0/sections', token)).body.data).toEqual([]);

    const events: EventRecord[] = (await get(emu, '/v3.0/events', token)).body.data.map(
      (i: { data: EventRecord }) => i.data,
    );
    expect(events.map((e) => e.type)).toEqual([
      'districts.updated',
      'sections.created',
      'sections.updated',
      'sections.deleted',
    ]);
    expect(events[0]!.data.previous_attributes).toMatchObject({ name: expect.any(String) });
    expect(events[2]!.data.previous_attributes).toMatchObject({ name: 'Álgebra I' });
    const onlyUsers = await get(emu, '/v3.0/events?record_type=users', token);
    expect(onlyUsers.body.data).toEqual([]);
    const sectionsOfSchool = await get(emu, `/v3.0/events?record_type=sections&school=${school!.id}`, token);
    expect(sectionsOfSchool.body.data).toHaveLength(3);
    expect(() =>
      emu.admin.createSection(districtId, { schoolId: school!.id, teacherIds: [students[0]!] }),
    ).toThrow(/not a teacher/);
  });
});

describe('districts and sections over the admin HTTP API', () => {
  it('patches the district and creates, patches and deletes a section', async () => {
    const emu = await emulator({
      seed: 'admin-http',
      schoolsPerDistrict: 1,
      studentsPerSchool: 2,
      adminHttp: true,
    });
    const districtId = emu.districts[0]!.id;
    const schoolId = [...emu.truth.schools(districtId)][0]!.id;
    const admin = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${emu.baseUrl}/__admin${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await jsonOf(response) };
    };
    expect((await admin('PATCH', `/districts/${districtId}`, { name: 'Nuevo' })).body.data.name).toBe(
      'Nuevo',
    );
    const created = await admin('POST', `/districts/${districtId}/sections`, { schoolId, name: 'Arte' });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect((await admin('PATCH', `/sections/${id}`, { name: 'Música' })).body.data.name).toBe('Música');
    expect((await admin('DELETE', `/sections/${id}`)).status).toBe(200);
    expect((await admin('DELETE', `/sections/${id}`)).status).toBe(404);
    expect((await admin('POST', `/districts/${districtId}/sections`, { name: 'no school' })).status).toBe(
      400,
    );
    expect(emu.truth.events(districtId).map((e) => e.type)).toEqual([
      'districts.updated',
      'sections.created',
      'sections.updated',
      'sections.deleted',
    ]);
  });
});

describe('two rate-limit buckets (burstRateLimit)', () => {
  it('reports both windows comma-separated, shorter first, and answers 429 when either is spent', async () => {
    let now = Date.UTC(2025, 0, 6, 12, 0, 0);
    const emu = await emulator({
      seed: 'buckets',
      schoolsPerDistrict: 1,
      studentsPerSchool: 2,
      rateLimitPerMinute: 5,
      burstRateLimit: { requests: 2, windowSeconds: 10 },
      now: () => now,
    });
    const token = districtToken(emu);
    const first = await get(emu, '/v3.0/schools', token);
    const buckets = first.headers.get('x-ratelimit-bucket')!.split(', ');
    expect(buckets).toHaveLength(2);
    expect(buckets[0]).toBe(`${buckets[1]}-10s`);
    expect(first.headers.get('x-ratelimit-bucket')).not.toContain(token);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2, 5');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1, 4');
    const seconds = now / 1000;
    expect(first.headers.get('x-ratelimit-reset')).toBe(`${seconds + 10}, ${seconds + 60}`);
    expect((await get(emu, '/v3.0/schools', token)).status).toBe(200);
    const limited = await get(emu, '/v3.0/schools', token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0, 3');
    expect(limited.headers.get('retry-after')).toBeNull();
    now += 10_000; // the short window resets; the minute one still counts
    const next = await get(emu, '/v3.0/schools', token);
    expect(next.status).toBe(200);
    expect(next.headers.get('x-ratelimit-remaining')).toBe('1, 2');
  });
});
