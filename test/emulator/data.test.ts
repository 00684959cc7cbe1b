import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator, type UserRecord } from '../../emulator/index.js';
import { collectIds, districtToken, get } from './helpers.js';

const SHAPE = { schoolsPerDistrict: 4, studentsPerSchool: 150, teachersPerSchool: 12, multiSchoolShare: 0.1 };
const GRADES = new Set([
  'InfantToddler',
  'Preschool',
  'PreKindergarten',
  'TransitionalKindergarten',
  'Kindergarten',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '10',
  '11',
  '12',
  '13',
  'PostGraduate',
  'Ungraded',
  'Other',
  '',
]);

let a: EmulatorHandle;
let b: EmulatorHandle;
let c: EmulatorHandle;

beforeAll(async () => {
  [a, b, c] = await Promise.all([
    startEmulator({ ...SHAPE, seed: 42 }),
    startEmulator({ ...SHAPE, seed: 42 }),
    startEmulator({ ...SHAPE, seed: 43 }),
  ]);
});

afterAll(() => Promise.all([a.stop(), b.stop(), c.stop()]));

async function fetchAll(emu: EmulatorHandle): Promise<string> {
  const token = districtToken(emu);
  const pages = await Promise.all(
    ['/v3.0/districts', '/v3.0/schools', '/v3.0/users?limit=10000'].map((p) => get(emu, p, token)),
  );
  return pages.map((p) => p.text).join('\n');
}

describe('generated data', () => {
  it('is identical for the same seed and different for another seed', async () => {
    const [first, second, other] = await Promise.all([fetchAll(a), fetchAll(b), fetchAll(c)]);
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    expect(b.districts[0]!.token).toBe(a.districts[0]!.token);
    expect(c.districts[0]!.token).not.toBe(a.districts[0]!.token);
  });

  it('looks like real Clever records', async () => {
    const { body } = await get(a, '/v3.0/users?limit=10000', districtToken(a));
    const users: UserRecord[] = body.data.map((item: { data: UserRecord }) => item.data);
    expect(users).toHaveLength(4 * (150 + 12 + 3));
    const students = users.filter((u) => u.roles.student !== undefined);
    const teachers = users.filter((u) => u.roles.teacher !== undefined);

    for (const user of users) {
      expect(user.id).toMatch(/^[0-9a-f]{24}$/);
      expect(user.district).toBe(a.districts[0]!.id);
      expect(typeof user.name.first).toBe('string');
      expect(Number.isNaN(Date.parse(user.created))).toBe(false);
    }
    for (const s of students.map((u) => u.roles.student!)) {
      expect(s.schools).toContain(s.school);
      expect(s.enrollments.map((e) => e.school)).toEqual(s.schools);
      if (s.dob !== undefined) expect(s.dob).toMatch(/^(1[0-2]|[1-9])\/([1-9]|[12]\d|3[01])\/\d{4}$/);
      expect(GRADES.has(s.grade as string)).toBe(true);
      expect(typeof s.ext).toBe('object');
    }
    // The variety sync code has to cope with.
    const names = users.map((u) => `${u.name.first} ${u.name.last}`).join(' ');
    expect(names).toMatch(/[^\p{ASCII}]/u);
    expect(students.some((u) => u.roles.student!.schools.length === 2)).toBe(true);
    expect(students.some((u) => u.roles.student!.schools.length === 3)).toBe(true);
    expect(teachers.some((u) => u.roles.teacher!.schools.length > 1)).toBe(true);
    expect(users.some((u) => u.email === undefined)).toBe(true);
    expect(students.some((u) => u.roles.student!.state_id === '')).toBe(true);
    expect(students.some((u) => !('state_id' in u.roles.student!))).toBe(true);
    expect(students.some((u) => u.roles.student!.dob === undefined)).toBe(true);
    expect(students.some((u) => Object.keys(u.roles.student!.ext as object).length > 0)).toBe(true);
  });

  it('keeps the truth view identical to what the API serves', async () => {
    const token = districtToken(a);
    const districtId = a.districts[0]!.id;
    const schools = [...a.truth.schools(districtId)];
    expect((await collectIds(a, '/v3.0/schools?limit=3', token)).ids).toEqual(schools.map((s) => s.id));
    for (const school of schools) {
      const served = await get(a, `/v3.0/schools/${school.id}/users?role=teacher&limit=10000`, token);
      expect(served.body.data.map((i: { data: UserRecord }) => i.data)).toEqual([
        ...a.truth.teachersOfSchool(school.id),
      ]);
    }
    const student = [...a.truth.studentsOfSchool(schools[0]!.id)][7]!;
    expect((await get(a, `/v3.0/users/${student.id}`, token)).body.data).toEqual(student);
    expect(a.truth.user(student.id)).toEqual(student);
    expect(a.truth.school(schools[0]!.id)).toEqual(schools[0]);
    expect(a.truth.district(districtId)).toEqual(
      (await get(a, `/v3.0/districts/${districtId}`, token)).body.data,
    );
  });

  it('rejects bad options with a message naming the option', async () => {
    await expect(startEmulator({ schoolsPerDistrict: -1 })).rejects.toThrow(/schools/);
    await expect(startEmulator({ multiSchoolShare: 1.5 })).rejects.toThrow(/multiSchoolShare/);
    await expect(startEmulator({ districts: 0 })).rejects.toThrow(/districts/);
    await expect(startEmulator({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(startEmulator({ clientId: '' })).rejects.toThrow(/clientId/);
  });
});
