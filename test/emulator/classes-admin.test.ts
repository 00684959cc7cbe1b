/**
 * Admin changes to classes and the events they emit, in code and over /__admin: enrol, drop,
 * move a section, update/delete courses and terms, and the roster cascades of moving or deleting
 * a user. Changes to generated sections persist (an overlay, as for users).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorAdminError,
  type EmulatorHandle,
  type EventRecord,
  type SectionRecord,
  startEmulator,
} from '../../emulator/index.js';
import { collectIds, districtToken, get, jsonOf } from './helpers.js';

let emu: EmulatorHandle;
let districtId: string;
let schools: string[];

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'classes-admin',
    schoolsPerDistrict: 3,
    studentsPerSchool: 60,
    teachersPerSchool: 4,
    multiSchoolShare: 0.1,
    adminHttp: true,
  });
  districtId = emu.districts[0]!.id;
  schools = [...emu.truth.schools(districtId)].map((s) => s.id);
});

afterAll(() => emu.stop());

function eventsSince(cursor: string | undefined): EventRecord[] {
  return emu.truth.events(districtId).filter((e) => cursor === undefined || e.id > cursor);
}

async function served(sectionId: string): Promise<SectionRecord | undefined> {
  const response = await get(emu, `/v3.0/sections/${sectionId}`, districtToken(emu));
  return response.status === 200 ? response.body.data : undefined;
}

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${emu.baseUrl}/__admin${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await jsonOf(response) };
}

/** A student of the school who is not in the section. */
function outsider(section: SectionRecord): string {
  return [...emu.truth.studentsOfSchool(section.school)].find((u) => !section.students.includes(u.id))!.id;
}

describe('enrol and drop', () => {
  it('change a generated section for good: sections.updated with the old roster', async () => {
    const section = [...emu.truth.sections(districtId, schools[0])][4]!;
    const newcomer = outsider(section);
    const cursor = emu.truth.latestEventId(districtId);
    const enrolled = emu.admin.enrolStudent(section.id, newcomer);
    expect(enrolled.students).toEqual([...section.students, newcomer].sort());
    expect(await served(section.id)).toEqual(enrolled);
    expect(emu.truth.section(section.id)).toEqual(enrolled);
    // Persisted: the lists serve the changed record in its place.
    const listed = [...emu.truth.sections(districtId, schools[0])].find((s) => s.id === section.id);
    expect(listed).toEqual(enrolled);
    const [event] = eventsSince(cursor);
    expect(event).toMatchObject({ type: 'sections.updated', data: { object: enrolled } });
    expect(event!.data.previous_attributes).toEqual({
      students: section.students,
      last_modified: section.last_modified,
    });

    const leaving = section.students[0]!;
    const dropped = emu.admin.dropStudent(section.id, leaving);
    expect(dropped.students).not.toContain(leaving);
    expect((await served(section.id))!.students).toEqual(dropped.students);
    expect(eventsSince(cursor).map((e) => e.type)).toEqual(['sections.updated', 'sections.updated']);
    const users = await collectIds(
      emu,
      `/v3.0/sections/${section.id}/users?role=student`,
      districtToken(emu),
    );
    expect(users.ids).toEqual(dropped.students);
  });

  it('refuse what Clever could not hold', () => {
    const section = [...emu.truth.sections(districtId, schools[1])][0]!;
    const otherSchoolOnly = [...emu.truth.studentsOfSchool(schools[0]!)].find(
      (u) => !u.roles.student!.schools.includes(schools[1]!),
    )!;
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as EmulatorAdminError).status;
      }
      return 'no error';
    };
    expect(code(() => emu.admin.enrolStudent(section.id, otherSchoolOnly.id))).toBe(400);
    expect(code(() => emu.admin.enrolStudent(section.id, section.students[0]!))).toBe(409);
    expect(code(() => emu.admin.dropStudent(section.id, otherSchoolOnly.id))).toBe(409);
    expect(code(() => emu.admin.enrolStudent('ffffffffffffffffffffffff', section.students[0]!))).toBe(404);
    expect(code(() => emu.admin.moveSection(section.id, section.school))).toBe(409);
    expect(code(() => emu.admin.updateSection(section.id, { school: schools[0] }))).toBe(400);
  });
});

describe('moveSection', () => {
  it('moves it to the other school’s lists, keeps only that school’s members, names both schools', async () => {
    const token = districtToken(emu);
    const [from, to] = [schools[1]!, schools[2]!];
    const section = [...emu.truth.sections(districtId, from)][3]!;
    const toStudents = new Set([...emu.truth.studentsOfSchool(to)].map((u) => u.id));
    const toTeachers = new Set([...emu.truth.teachersOfSchool(to)].map((u) => u.id));
    const cursor = emu.truth.latestEventId(districtId);
    const moved = emu.admin.moveSection(section.id, to);
    expect(moved.school).toBe(to);
    expect(moved.students).toEqual(section.students.filter((id) => toStudents.has(id)));
    expect(moved.teachers).toEqual(section.teachers.filter((id) => toTeachers.has(id)));
    expect(moved.teacher).toBe(moved.teachers[0]);

    const fromIds = (await collectIds(emu, `/v3.0/schools/${from}/sections?limit=50`, token)).ids;
    const toIds = (await collectIds(emu, `/v3.0/schools/${to}/sections?limit=50`, token)).ids;
    expect(fromIds).not.toContain(section.id);
    expect(toIds).toContain(section.id);
    expect(toIds).toEqual([...toIds].sort());
    expect([...emu.truth.sections(districtId, to)].map((s) => s.id)).toEqual(toIds);
    const all = (await collectIds(emu, '/v3.0/sections?limit=80', token)).ids;
    expect(all.filter((id) => id === section.id)).toHaveLength(1);

    const [event] = eventsSince(cursor);
    expect(event!.type).toBe('sections.updated');
    expect(event!.data.previous_attributes).toMatchObject({ school: from });
    for (const school of [from, to]) {
      const filtered = await get(emu, `/v3.0/events?school=${school}&starting_after=${cursor}`, token);
      expect(filtered.body.data.map((i: { data: EventRecord }) => i.data.id)).toEqual([event!.id]);
    }
  });
});

describe('users leaving a school leave its sections', () => {
  it('moveUser: one sections.updated per section of the old school, none left listing them', async () => {
    const [from, to] = [schools[0]!, schools[1]!];
    const student = [...emu.truth.studentsOfSchool(from)].find((u) => u.roles.student!.schools.length === 1)!;
    const before = [...emu.truth.sections(districtId, from)].filter((s) => s.students.includes(student.id));
    expect(before.length).toBeGreaterThanOrEqual(8);
    const cursor = emu.truth.latestEventId(districtId);
    emu.admin.moveUser(student.id, to);
    const events = eventsSince(cursor);
    expect(events.map((e) => e.type)).toEqual(['users.updated', ...before.map(() => 'sections.updated')]);
    expect(events.slice(1).map((e) => (e.data.object as SectionRecord).id)).toEqual(before.map((s) => s.id));
    for (const event of events.slice(1)) {
      expect((event.data.object as SectionRecord).students).not.toContain(student.id);
      expect(event.data.previous_attributes!.students).toContain(student.id);
    }
    for (const school of schools) {
      for (const s of emu.truth.sections(districtId, school)) expect(s.students).not.toContain(student.id);
    }
  });

  it('moveUser of a teacher: they leave teachers (and teacher) of the old school’s sections', async () => {
    const [from, to] = [schools[2]!, schools[0]!];
    const teacher = [...emu.truth.teachersOfSchool(from)].find((u) => u.roles.teacher!.schools.length === 1)!;
    const taught = [...emu.truth.sections(districtId, from)].filter((s) => s.teachers.includes(teacher.id));
    expect(taught.length).toBeGreaterThan(0);
    emu.admin.moveUser(teacher.id, to);
    for (const s of taught) {
      const now = emu.truth.section(s.id)!;
      expect(now.teachers).toEqual(s.teachers.filter((id) => id !== teacher.id));
      expect(now.teacher).toBe(now.teachers[0]);
    }
  });

  it('deleteUser: users.deleted, then the user leaves every section', async () => {
    const student = [...emu.truth.studentsOfSchool(schools[1]!)].find(
      (u) => u.roles.student!.schools.length > 1,
    )!;
    const inSections = student.roles.student!.schools.flatMap((school) =>
      [...emu.truth.sections(districtId, school)].filter((s) => s.students.includes(student.id)),
    );
    const cursor = emu.truth.latestEventId(districtId);
    emu.admin.deleteUser(student.id);
    const events = eventsSince(cursor);
    expect(events[0]!.type).toBe('users.deleted');
    expect(
      events
        .slice(1)
        .map((e) => (e.data.object as SectionRecord).id)
        .sort(),
    ).toEqual(inSections.map((s) => s.id).sort());
    for (const school of schools) {
      for (const s of emu.truth.sections(districtId, school)) expect(s.students).not.toContain(student.id);
    }
  });
});

describe('courses and terms', () => {
  it('update and delete: courses.* / terms.* events, filtered by record_type and school', async () => {
    const token = districtToken(emu);
    const school = schools[0]!;
    const [course] = [...emu.truth.coursesOfSchool(school)];
    const [term] = [...emu.truth.termsOfSchool(school)];
    const cursor = emu.truth.latestEventId(districtId)!;
    const renamed = emu.admin.updateCourse(course!.id, { name: 'Matemáticas' });
    expect((await get(emu, `/v3.0/courses/${course!.id}`, token)).body.data).toEqual(renamed);
    const term2 = emu.admin.updateTerm(term!.id, { name: 'Otoño' });
    expect([...emu.truth.terms(districtId)]).toContainEqual(term2);
    emu.admin.deleteCourse(course!.id);
    emu.admin.deleteTerm(term!.id);
    expect((await get(emu, `/v3.0/courses/${course!.id}`, token)).status).toBe(404);
    expect((await get(emu, `/v3.0/terms/${term!.id}`, token)).status).toBe(404);
    expect([...emu.truth.coursesOfSchool(school)].map((c) => c.id)).not.toContain(course!.id);
    expect([...emu.truth.terms(districtId)].map((t) => t.id)).not.toContain(term!.id);

    const types = (query: string) =>
      get(emu, `/v3.0/events?starting_after=${cursor}${query}`, token).then((r) =>
        r.body.data.map((i: { data: EventRecord }) => i.data.type),
      );
    expect(await types('')).toEqual(['courses.updated', 'terms.updated', 'courses.deleted', 'terms.deleted']);
    expect(await types('&record_type=courses')).toEqual(['courses.updated', 'courses.deleted']);
    expect(await types('&record_type=terms&record_type=sections')).toEqual([
      'terms.updated',
      'terms.deleted',
    ]);
    expect(await types(`&school=${school}`)).toEqual([
      'courses.updated',
      'terms.updated',
      'courses.deleted',
      'terms.deleted',
    ]);
    const previous = eventsSince(cursor)[0]!.data.previous_attributes;
    expect(previous).toEqual({ name: course!.name });
  });

  it('unsharing a school deletes its generated sections (sections.deleted each); resharing brings them back', () => {
    const school = schools[2]!;
    const sections = [...emu.truth.sections(districtId, school)];
    const cursor = emu.truth.latestEventId(districtId);
    emu.admin.unshareSchool(school);
    const deleted = eventsSince(cursor).filter((e) => e.type === 'sections.deleted');
    expect(deleted.map((e) => (e.data.object as SectionRecord).id)).toEqual(sections.map((s) => s.id));
    expect([...emu.truth.sections(districtId, school)]).toEqual([]);
    expect(emu.truth.section(sections[0]!.id)).toBeUndefined();
    emu.admin.reshareSchool(school);
    expect([...emu.truth.sections(districtId, school)]).toEqual(sections);
  });
});

describe('over /__admin', () => {
  it('enrols, drops, moves and deletes sections; creates, patches and deletes courses and terms', async () => {
    const section = [...emu.truth.sections(districtId, schools[0])][10]!;
    const newcomer = outsider(section);
    const enrolled = await admin('POST', `/sections/${section.id}/enrol`, { studentId: newcomer });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.data.students).toContain(newcomer);
    expect((await admin('POST', `/sections/${section.id}/enrol`, { studentId: newcomer })).status).toBe(409);
    const dropped = await admin('POST', `/sections/${section.id}/drop`, { studentId: newcomer });
    expect(dropped.body.data.students).not.toContain(newcomer);
    expect((await admin('POST', `/sections/${section.id}/drop`, {})).status).toBe(400);
    const moved = await admin('POST', `/sections/${section.id}/move`, { toSchoolId: schools[1] });
    expect(moved.body.data.school).toBe(schools[1]);
    expect((await admin('PATCH', `/sections/${section.id}`, { period: '8' })).body.data.period).toBe('8');
    expect((await admin('DELETE', `/sections/${section.id}`)).status).toBe(200);
    expect(await served(section.id)).toBeUndefined();

    const course = await admin('POST', `/districts/${districtId}/courses`, {
      name: 'Robótica',
      number: 'ROB-1',
    });
    expect(course.status).toBe(201);
    const courseId = course.body.data.id as string;
    expect((await admin('PATCH', `/courses/${courseId}`, { number: 'ROB-2' })).body.data.number).toBe(
      'ROB-2',
    );
    const term = await admin('POST', `/districts/${districtId}/terms`, {
      name: 'Summer 2025',
      start_date: '2025-06-23T00:00:00.000Z',
      end_date: '2025-08-01T00:00:00.000Z',
    });
    expect(term.status).toBe(201);
    const termId = term.body.data.id as string;
    expect((await admin('PATCH', `/terms/${termId}`, { name: 'Verano' })).body.data.name).toBe('Verano');
    // Created ones sort after every generated one, as later ObjectIds do.
    const courses = [...emu.truth.courses(districtId)];
    expect(courses.at(-1)!.id).toBe(courseId);
    expect((await admin('DELETE', `/courses/${courseId}`)).status).toBe(200);
    expect((await admin('DELETE', `/courses/${courseId}`)).status).toBe(404);
    expect((await admin('DELETE', `/terms/${termId}`)).status).toBe(200);
    expect(
      emu.truth
        .events(districtId)
        .slice(-8)
        .map((e) => e.type),
    ).toEqual([
      'sections.updated',
      'sections.deleted',
      'courses.created',
      'courses.updated',
      'terms.created',
      'terms.updated',
      'courses.deleted',
      'terms.deleted',
    ]);
  });
});
