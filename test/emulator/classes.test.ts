/**
 * Generated classes (sections, courses, terms) through the real HTTP server: their shape and
 * sizes, that they only reference members of their school, paging like users, the v3.0/v3.1
 * shapes, the read:sections scope, faults on their routes, and the cost of serving them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  CourseRecord,
  EmulatorHandle,
  EventRecord,
  SectionRecord,
  TermRecord,
  UserRecord,
} from '../../emulator/index.js';
import {
  basicAuth,
  collectIds,
  districtToken,
  emulatorStarter,
  get,
  idsOf,
  jsonOf,
  relLink,
} from './helpers.js';

const emulator = emulatorStarter();

async function list<T>(emu: EmulatorHandle, path: string): Promise<T[]> {
  const response = await get(emu, path, districtToken(emu));
  expect(response.status, `${path}: ${response.text}`).toBe(200);
  return response.body.data.map((item: { data: T }) => item.data);
}

const SUBJECTS = new Set([
  'english/language arts',
  'math',
  'science',
  'social studies',
  'language',
  'homeroom/advisory',
  'interventions/online learning',
  'technology and engineering',
  'PE and health',
  'arts and music',
  'other',
]);

describe('generated classes (default shape)', () => {
  let emu: EmulatorHandle;
  let districtId: string;
  let schoolIds: string[];
  beforeAll(async () => {
    emu = await emulator({ seed: 'classes' });
    districtId = emu.districts[0]!.id;
    schoolIds = [...emu.truth.schools(districtId)].map((s) => s.id);
  });

  it('gives every school sections of 20-35 members of that school, 1-2 teachers each', async () => {
    for (const schoolId of schoolIds) {
      const sections = await list<SectionRecord>(emu, `/v3.0/schools/${schoolId}/sections?limit=10000`);
      const students = new Set(
        (
          await collectIds(
            emu,
            `/v3.0/schools/${schoolId}/users?role=student&limit=10000`,
            districtToken(emu),
          )
        ).ids,
      );
      const teachers = new Set(
        (
          await collectIds(
            emu,
            `/v3.0/schools/${schoolId}/users?role=teacher&limit=10000`,
            districtToken(emu),
          )
        ).ids,
      );
      expect(sections.length).toBeGreaterThan(50);
      const perStudent = new Map<string, number>();
      const teaching = new Set<string>();
      for (const s of sections) {
        expect(s).toMatchObject({ district: districtId, school: schoolId });
        expect(s.students.length).toBeGreaterThanOrEqual(20);
        expect(s.students.length).toBeLessThanOrEqual(35);
        expect(s.teachers.length).toBeGreaterThanOrEqual(1);
        expect(s.teachers.length).toBeLessThanOrEqual(2);
        expect(s.teacher).toBe(s.teachers[0]);
        expect(new Set(s.students).size).toBe(s.students.length);
        for (const id of s.students) expect(students.has(id), id).toBe(true);
        for (const id of s.teachers) expect(teachers.has(id), id).toBe(true);
        for (const id of s.students) perStudent.set(id, (perStudent.get(id) ?? 0) + 1);
        for (const id of s.teachers) teaching.add(id);
        expect(Number(s.period)).toBeGreaterThanOrEqual(1);
        expect(Number(s.period)).toBeLessThanOrEqual(8);
        expect(SUBJECTS.has(s.subject as string)).toBe(true);
        expect(s.section_number).toMatch(/^\d+$/);
        expect(s.sis_id).not.toBe('');
        expect(Number.isNaN(Date.parse(s.created))).toBe(false);
        expect(s.last_modified >= s.created).toBe(true);
        expect(s).not.toHaveProperty('lms_status');
      }
      // Every student sits in several sections (one per period and term), every teacher teaches.
      expect(perStudent.size).toBe(students.size);
      expect(Math.min(...perStudent.values())).toBeGreaterThanOrEqual(8);
      expect(teaching.size).toBe(teachers.size);
      expect(sections.some((s) => s.teachers.length === 2)).toBe(true);
      // The school's courses and terms are exactly the ones its sections reference.
      const courses = await list<CourseRecord>(emu, `/v3.0/schools/${schoolId}/courses`);
      const terms = await list<TermRecord>(emu, `/v3.0/schools/${schoolId}/terms`);
      expect(courses.map((c) => c.id)).toEqual([...new Set(sections.map((s) => s.course as string))].sort());
      expect(terms.map((t) => t.id)).toEqual([...new Set(sections.map((s) => s.term_id as string))].sort());
    }
  });

  it('serves district courses and terms, each by id, and unknown ids as 404', async () => {
    const token = districtToken(emu);
    const terms = await list<TermRecord>(emu, '/v3.0/terms');
    expect(terms).toHaveLength(2);
    for (const term of terms) {
      expect(Date.parse(term.start_date!)).toBeLessThan(Date.parse(term.end_date!));
      expect((await get(emu, `/v3.0/terms/${term.id}`, token)).body.data).toEqual(term);
    }
    const courses = await list<CourseRecord>(emu, '/v3.0/courses?limit=1000');
    expect(courses.length).toBeGreaterThan(20);
    expect(courses.every((c) => c.district === districtId && c.name && c.number)).toBe(true);
    expect((await get(emu, `/v3.0/courses/${courses[3]!.id}`, token)).body.data).toEqual(courses[3]);
    expect([...emu.truth.courses(districtId)]).toEqual(courses);
    expect([...emu.truth.terms(districtId)]).toEqual(terms);
    const unknown = 'ffffffffffffffffffffffff';
    for (const path of [
      `/v3.0/sections/${unknown}`,
      `/v3.0/sections/${unknown}/users`,
      `/v3.0/courses/${unknown}`,
      `/v3.0/terms/${unknown}`,
      `/v3.0/schools/${unknown}/sections`,
      `/v3.0/schools/${unknown}/courses`,
      `/v3.0/schools/${unknown}/terms`,
    ]) {
      const response = await get(emu, path, token);
      expect(response.status, path).toBe(404);
      expect(response.body.message).toEqual(expect.any(String));
    }
    expect((await get(emu, `/v3.0/sections/${courses[0]!.id}`, token)).status).toBe(404);
  });

  it('lists a section’s users by role, and keeps the truth view identical to the API', async () => {
    const token = districtToken(emu);
    const section = (await list<SectionRecord>(emu, `/v3.0/schools/${schoolIds[2]}/sections?limit=3`))[2]!;
    expect(emu.truth.section(section.id)).toEqual(section);
    expect((await get(emu, `/v3.0/sections/${section.id}`, token)).body.data).toEqual(section);
    const students = await list<UserRecord>(emu, `/v3.0/sections/${section.id}/users?role=student`);
    expect(students.map((u) => u.id)).toEqual([...section.students].sort());
    expect(students.every((u) => u.roles.student !== undefined)).toBe(true);
    const teachers = await list<UserRecord>(emu, `/v3.0/sections/${section.id}/users?role=teacher`);
    expect(teachers.map((u) => u.id)).toEqual([...section.teachers].sort());
    const all = await collectIds(emu, `/v3.0/sections/${section.id}/users?limit=7`, token);
    expect(all.ids).toEqual([...section.students, ...section.teachers].sort());
    expect((await get(emu, `/v3.0/sections/${section.id}/users?role=staff`, token)).status).toBe(400);

    for (const schoolId of schoolIds) {
      expect((await collectIds(emu, `/v3.0/schools/${schoolId}/sections?limit=37`, token)).ids).toEqual(
        [...emu.truth.sections(districtId, schoolId)].map((s) => s.id),
      );
      expect([...emu.truth.coursesOfSchool(schoolId)]).toEqual(
        await list(emu, `/v3.0/schools/${schoolId}/courses`),
      );
      expect([...emu.truth.termsOfSchool(schoolId)]).toEqual(
        await list(emu, `/v3.0/schools/${schoolId}/terms`),
      );
    }
  });

  it('pages /sections across schools like users: starting_after, ending_before, any cursor position', async () => {
    const token = districtToken(emu);
    const truth = [...emu.truth.sections(districtId)].map((s) => s.id);
    expect(truth.length).toBeGreaterThan(300);
    expect([...truth].sort()).toEqual(truth);
    const walked = await collectIds(emu, '/v3.0/sections?limit=100', token);
    expect(walked.ids).toEqual(truth);
    expect(walked.pages).toBe(Math.ceil(truth.length / 100));

    // Backwards from the end, following prev.
    const backwards: string[] = [];
    let path: string | undefined = '/v3.0/sections?ending_before=last&limit=150';
    while (path !== undefined) {
      const page = await get(emu, path, token);
      backwards.unshift(...idsOf(page.body));
      path = relLink(page.body, 'prev');
    }
    expect(backwards).toEqual(truth);

    // A school boundary, and cursors that are positions rather than existing ids.
    const boundary = truth.findIndex((id, i) => i > 0 && id.slice(14, 19) !== truth[i - 1]!.slice(14, 19));
    const after = await get(emu, `/v3.0/sections?limit=3&starting_after=${truth[boundary - 1]}`, token);
    expect(idsOf(after.body)).toEqual(truth.slice(boundary, boundary + 3));
    const before = await get(emu, `/v3.0/sections?limit=3&ending_before=${truth[boundary]}`, token);
    expect(idsOf(before.body)).toEqual(truth.slice(boundary - 3, boundary));
    const gap = `${truth[boundary - 1]!.slice(0, 14)}${(Number.parseInt(truth[boundary - 1]!.slice(14), 16) + 5).toString(16).padStart(10, '0')}`;
    expect(idsOf((await get(emu, `/v3.0/sections?limit=2&starting_after=${gap}`, token)).body)).toEqual(
      truth.slice(boundary, boundary + 2),
    );
    expect(idsOf((await get(emu, `/v3.0/sections?limit=2&ending_before=${gap}`, token)).body)).toEqual(
      truth.slice(boundary - 2, boundary),
    );
    expect(
      idsOf((await get(emu, '/v3.0/sections?limit=2&starting_after=000000000000000000000000', token)).body),
    ).toEqual(truth.slice(0, 2));
    expect(
      idsOf((await get(emu, '/v3.0/sections?limit=2&starting_after=ffffffffffffffffffffffff', token)).body),
    ).toEqual([]);
    expect(
      idsOf((await get(emu, '/v3.0/sections?limit=2&ending_before=ffffffffffffffffffffffff', token)).body),
    ).toEqual(truth.slice(-2));
  });

  it('is the same for the same seed, different for another, and v3.1 adds only lms_status', async () => {
    const [same, other] = await Promise.all([emulator({ seed: 'classes' }), emulator({ seed: 'other' })]);
    const path = `/v3.0/sections?limit=500&starting_after=${[...emu.truth.sections(districtId)][100]!.id}`;
    const mine = (await get(emu, path, districtToken(emu))).text;
    expect((await get(same, path, districtToken(same))).text).toBe(mine);
    expect((await get(other, '/v3.0/sections?limit=500', districtToken(other))).text).not.toBe(mine);

    const v30 = await list<SectionRecord>(emu, '/v3.0/sections?limit=300');
    const v31 = await list<SectionRecord>(emu, '/v3.1/sections?limit=300');
    expect(v31.map(({ lms_status: _lms, ...rest }) => rest)).toEqual(v30);
    expect(v31.some((s) => typeof s.lms_status?.synced_in_lms === 'boolean')).toBe(true);
    expect(emu.truth.as('v3.1').section(v31[0]!.id)).toEqual(v31[0]);
  });

  it('is pinned: the default demo district’s classes do not drift unnoticed', async () => {
    const demo = await emulator({});
    const id = demo.districts[0]!.id;
    const sections = [...demo.truth.sections(id)];
    expect({
      sections: sections.length,
      enrollments: sections.reduce((n, s) => n + s.students.length, 0),
      teachings: sections.reduce((n, s) => n + s.teachers.length, 0),
      courses: [...demo.truth.courses(id)].length,
      terms: [...demo.truth.terms(id)].length,
    }).toMatchInlineSnapshot(`
      {
        "courses": 80,
        "enrollments": 12160,
        "sections": 507,
        "teachings": 595,
        "terms": 2,
      }
    `);
  });
});

describe('sections: false', () => {
  it('generates no classes: empty lists as before, admin-created sections still served', async () => {
    const emu = await emulator({
      seed: 'classes',
      schoolsPerDistrict: 2,
      studentsPerSchool: 30,
      sections: false,
    });
    const districtId = emu.districts[0]!.id;
    const schoolId = [...emu.truth.schools(districtId)][0]!.id;
    for (const path of [
      '/v3.0/sections',
      '/v3.0/courses',
      '/v3.0/terms',
      `/v3.0/schools/${schoolId}/sections`,
    ]) {
      expect(await list(emu, path), path).toEqual([]);
    }
    const created = emu.admin.createSection(districtId, { schoolId, name: 'Solo' });
    expect(await list(emu, '/v3.0/sections')).toEqual([created]);
    expect([...emu.truth.sections(districtId)]).toEqual([created]);
  });
});

describe('read:sections scope', () => {
  it('without it every class route answers 403 and /events leaves class events out', async () => {
    const emu = await emulator({
      seed: 'scope',
      schoolsPerDistrict: 2,
      studentsPerSchool: 40,
      sectionsScope: false,
    });
    const districtId = emu.districts[0]!.id;
    const token = districtToken(emu);
    const schoolId = [...emu.truth.schools(districtId)][0]!.id;
    const section = [...emu.truth.sections(districtId, schoolId)][0]!;
    const course = [...emu.truth.courses(districtId)][0]!;
    const term = [...emu.truth.terms(districtId)][0]!;
    for (const path of [
      '/sections',
      `/sections/${section.id}`,
      `/sections/${section.id}/users`,
      '/courses',
      `/courses/${course.id}`,
      '/terms',
      `/terms/${term.id}`,
      `/schools/${schoolId}/sections`,
      `/schools/${schoolId}/courses`,
      `/schools/${schoolId}/terms`,
    ]) {
      for (const version of ['v3.0', 'v3.1']) {
        const response = await get(emu, `/${version}${path}`, token);
        expect(response.status, path).toBe(403);
        expect(response.body.message).toMatch(/read:sections/);
      }
    }
    expect((await get(emu, `/v3.0/schools/${schoolId}/users`, token)).status).toBe(200);

    const tokens = await fetch(`${emu.tokensUrl}?owner_type=district`, {
      headers: { authorization: basicAuth(emu.clientId, emu.clientSecret) },
    });
    const scopes: string[] = (await jsonOf(tokens)).data[0].scopes;
    expect(scopes).not.toContain('read:sections');
    expect(scopes).toContain('read:students');

    const student = section.students[0]!;
    emu.admin.dropStudent(section.id, student);
    emu.admin.updateCourse(course.id, { name: 'Renamed' });
    emu.admin.updateUser(student, { name: { first: 'Zoë' } });
    const served = (await get(emu, '/v3.0/events', token)).body.data.map(
      (i: { data: EventRecord }) => i.data,
    );
    expect(served.map((e: EventRecord) => e.type)).toEqual(['users.updated']);
    const hidden = emu.truth.events(districtId).find((e) => e.type === 'sections.updated')!;
    expect((await get(emu, `/v3.0/events/${hidden.id}`, token)).status).toBe(404);
    expect((await get(emu, '/v3.0/events?record_type=sections', token)).body.data).toEqual([]);
  });

  it('is carried by default tokens', async () => {
    const emu = await emulator({ seed: 'scope', schoolsPerDistrict: 1, studentsPerSchool: 5 });
    const tokens = await fetch(`${emu.tokensUrl}?owner_type=district`, {
      headers: { authorization: basicAuth(emu.clientId, emu.clientSecret) },
    });
    expect((await jsonOf(tokens)).data[0].scopes).toContain('read:sections');
  });
});

describe('faults on class routes', () => {
  it('target them by route template and id like any other route', async () => {
    const emu = await emulator({ seed: 'faults', schoolsPerDistrict: 2, studentsPerSchool: 40 });
    const districtId = emu.districts[0]!.id;
    const token = districtToken(emu);
    const [a, b] = [...emu.truth.schools(districtId)].map((s) => s.id);
    const section = [...emu.truth.sections(districtId, a)][0]!;
    emu.faults.set([
      { kind: 'status', status: 503, route: '/schools/{id}/sections', id: b, count: 2 },
      { kind: 'truncate', route: '/sections/{id}/users' },
      { kind: 'html', status: 502, route: ['/courses', '/terms/{id}'] },
      { kind: 'rate-limit', route: '/schools/{id}/terms' },
    ]);
    expect((await get(emu, `/v3.0/schools/${a}/sections`, token)).status).toBe(200);
    expect((await get(emu, `/v3.0/schools/${b}/sections`, token)).status).toBe(503);
    expect((await get(emu, `/v3.0/schools/${b}/sections`, token)).status).toBe(503);
    expect((await get(emu, `/v3.0/schools/${b}/sections`, token)).status).toBe(200);
    const cut = await get(emu, `/v3.0/sections/${section.id}/users`, token);
    expect(cut.status).toBe(200);
    expect(cut.body).toBeUndefined();
    const html = await get(emu, '/v3.0/courses', token);
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect((await get(emu, `/v3.0/terms/${section.term_id}`, token)).status).toBe(502);
    expect((await get(emu, `/v3.0/schools/${a}/terms`, token)).status).toBe(429);
    expect((await get(emu, '/v3.0/terms', token)).status).toBe(200);
    expect(emu.stats().byRoute['/schools/{id}/sections']).toEqual({ 200: 2, 503: 2 });
    expect(emu.faults.list().map((f) => f.fired)).toEqual([2, 1, 2, 1]);
  });
});

describe('cost', () => {
  it('serves a page of a 1M-user district’s sections without generating the district', async () => {
    const t0 = performance.now();
    const emu = await emulator({
      seed: 'big',
      schoolsPerDistrict: 1000,
      studentsPerSchool: 950,
      teachersPerSchool: 45,
      staffPerSchool: 5,
    });
    expect(performance.now() - t0).toBeLessThan(500);
    const token = districtToken(emu);
    const districtId = emu.districts[0]!.id;
    const school = [...emu.truth.schools(districtId)][777]!.id;
    const t1 = performance.now();
    const page = await get(emu, `/v3.0/schools/${school}/sections?limit=100`, token);
    const last = idsOf(page.body).at(-1)!;
    const mid = await get(emu, `/v3.0/sections?limit=100&starting_after=${last}`, token);
    const end = await get(emu, '/v3.0/sections?limit=100&ending_before=last', token);
    const courses = await get(emu, `/v3.0/schools/${school}/courses`, token);
    expect(performance.now() - t1).toBeLessThan(1500);
    expect(idsOf(page.body)).toHaveLength(100);
    expect(idsOf(mid.body)[0]! > last).toBe(true);
    expect(idsOf(end.body)).toHaveLength(100);
    expect(courses.body.data.length).toBeGreaterThan(0);
    const section = page.body.data[0].data as SectionRecord;
    const members = new Set(
      (await collectIds(emu, `/v3.0/schools/${school}/users?role=student&limit=10000`, token)).ids,
    );
    expect(section.students.every((id) => members.has(id))).toBe(true);
  });
});
