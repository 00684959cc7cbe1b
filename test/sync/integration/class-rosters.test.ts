/**
 * Class rosters end to end on real parts (the emulator over HTTP, the real client, SQLite,
 * PostgreSQL and, in CI, SQL Server): a full sync equals the emulator's sections, courses, terms
 * and enrollments; events that enrol, drop, move and delete land exactly; a second run changes
 * nothing; the mass-archive guard holds a mass section removal; a district without read:sections
 * keeps its user sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparisonMatches, schoolMatches, verifyAgainstEmulator } from '../../../src/cli/verify.js';
import { CLASS_ROSTERS_NOT_SHARED } from '../../../src/sync/execute/class-access.js';
import type { SyncRunResult } from '../../../src/sync/types.js';
import {
  createSyncEnv,
  type Provider,
  providerAvailable,
  queryRoster,
  SMALL_DISTRICT,
  type SyncEnv,
} from './support.js';

// SQL Server runs in the CI job `sqlserver` (TEST_SQLSERVER_URL); it skips with a notice elsewhere.
const PROVIDERS: Provider[] = ['sqlite', 'postgresql', 'sqlserver'];

async function verify(env: SyncEnv) {
  return verifyAgainstEmulator({ session: env.session, schoolDatabases: env.schools }, env.emulator);
}

function mismatches(verification: Awaited<ReturnType<typeof verify>>) {
  return verification.schools.filter((school) => !schoolMatches(school));
}

function changed(result: SyncRunResult, entity: string): number {
  const counts = result.byEntity[entity as keyof SyncRunResult['byEntity']];
  return counts ? counts.created + counts.updated + counts.archived + counts.restored : 0;
}

function sectionsOf(env: SyncEnv, schoolId: string) {
  return [...env.emulator.truth.sections(env.districtId, schoolId)];
}

describe.each(PROVIDERS)('class rosters (%s)', (provider) => {
  const available = providerAvailable(provider);
  let env: SyncEnv;
  let schools: string[];

  beforeAll(async () => {
    if (!available) return;
    // 80 students a school: several sections per period, so a student can join one.
    env = await createSyncEnv(provider, { ...SMALL_DISTRICT, studentsPerSchool: 80 }, { pageSize: 7 });
    schools = [...env.emulator.truth.schools(env.districtId)].map((s) => s.id);
  }, 120_000);
  afterAll(async () => env?.dispose());

  it.skipIf(!available)(
    "a full sync stores exactly the emulator's sections, courses, terms and enrollments",
    async () => {
      env.emulator.resetStats();
      const result = await env.service.syncAllDistricts();
      expect(result.status).toBe('Succeeded');
      const verification = await verify(env);
      expect(mismatches(verification)).toEqual([]);
      expect(verification.matches).toBe(true);
      const sections = verification.schools.reduce((sum, s) => sum + (s.sections?.actual ?? 0), 0);
      const enrollments = verification.schools.reduce((sum, s) => sum + (s.enrollments?.actual ?? 0), 0);
      expect(sections).toBeGreaterThan(schools.length);
      expect(enrollments).toBeGreaterThan(sections * 10);
      expect(result.byEntity.sections?.created).toBe(sections);
      // The district's courses and terms are read once for all its schools, never per school.
      const routes = env.emulator.stats().byRoute;
      const pages = (records: Iterable<unknown>) => Math.max(1, Math.ceil([...records].length / 7));
      expect(routes['/courses']?.['200']).toBe(pages(env.emulator.truth.courses(env.districtId)));
      expect(routes['/terms']?.['200']).toBe(pages(env.emulator.truth.terms(env.districtId)));
      expect(routes['/schools/{id}/courses']).toBeUndefined();
      expect(routes['/schools/{id}/sections']?.['200']).toBeGreaterThanOrEqual(schools.length);
      expect(result.byEntity.enrollments?.created).toBe(enrollments);
      // Enrollments are not roster records: the run's record counts leave them out.
      const records = ['students', 'teachers', 'sections', 'courses', 'terms'].reduce(
        (sum, entity) => sum + (result.byEntity[entity as 'students']?.processed ?? 0),
        0,
      );
      expect(result.counts.processed).toBe(records);
      // The columns a rostering app reads, as Clever sent them.
      const [section] = sectionsOf(env, schools[0]!);
      const [row] = await queryRoster(
        env,
        schools[0]!,
        `SELECT name, clever_course_id, clever_term_id, primary_teacher_clever_id, is_active FROM sections WHERE clever_id = '${section!.id}'`,
      );
      expect(row).toMatchObject({
        name: section!.name,
        clever_course_id: section!.course ?? null,
        clever_term_id: section!.term_id ?? null,
        primary_teacher_clever_id: section!.teacher ?? section!.teachers[0] ?? null,
      });
    },
  );

  it.skipIf(!available)('a second run changes nothing', async () => {
    const result = await env.service.syncAllDistricts();
    expect(result.status).toBe('Succeeded');
    for (const entity of ['students', 'teachers', 'sections', 'courses', 'terms', 'enrollments'])
      expect({ entity, changed: changed(result, entity) }).toEqual({ entity, changed: 0 });
    expect((await verify(env)).matches).toBe(true);
  });

  it.skipIf(!available)('enrol, drop, move and delete through events land exactly', async () => {
    const [first, second] = schools as [string, string];
    const students = [...env.emulator.truth.studentsOfSchool(first)];
    const sections = sectionsOf(env, first);
    // A section some student of the school is not in yet (sections hold 20-35 of them).
    const a = sections.find((section) => students.some((s) => !section.students.includes(s.id)))!;
    const [b, c] = sections.filter((section) => section.id !== a.id);
    const newcomer = students.find((s) => !a.students.includes(s.id))!;
    env.emulator.admin.enrolStudent(a.id, newcomer.id);
    env.emulator.admin.dropStudent(a.id, a.students[0]!);
    env.emulator.admin.moveSection(b!.id, second);
    env.emulator.admin.deleteSection(c!.id);
    // A student moving school leaves the old school's sections too.
    const mover = students.find(
      (s) => s.roles.student?.schools?.length === 1 && s.id !== newcomer.id && s.id !== a.students[0],
    )!;
    env.emulator.admin.moveUser(mover.id, second, { fromSchoolId: first, role: 'student' });
    // A course renamed district-wide: every school that keeps a copy takes the new name.
    env.emulator.admin.updateCourse(a.course!, { name: 'Renamed Course' });

    const result = await env.service.syncAllDistricts();
    expect(result.status).toBe('Succeeded');
    expect(result.districts[0]!.mode.fullSchools).toBe(0);
    expect(mismatches(await verify(env))).toEqual([]);
    const links = await queryRoster(
      env,
      first,
      `SELECT section_clever_id FROM section_students WHERE student_clever_id = '${mover.id}'`,
    );
    expect(links).toEqual([]);
    const moved = await queryRoster(
      env,
      first,
      `SELECT is_active FROM sections WHERE clever_id = '${b!.id}'`,
    );
    expect(moved.map((r) => Boolean(r.is_active))).toEqual([false]);
    const arrived = await queryRoster(
      env,
      second,
      `SELECT is_active FROM sections WHERE clever_id = '${b!.id}'`,
    );
    expect(arrived.map((r) => Boolean(r.is_active))).toEqual([true]);
  });

  it.skipIf(!available)('holds a mass section removal until force, then applies it', async () => {
    const school = schools[2]!;
    const all = sectionsOf(env, school);
    const removed = all.slice(0, Math.ceil(all.length * 0.8));
    for (const section of removed) env.emulator.admin.deleteSection(section.id);

    const held = await env.service.syncAllDistricts();
    const outcome = held.districts[0]!.schools.find((s) => s.cleverSchoolId === school)!;
    expect(outcome.status).toBe('Held');
    expect(outcome.warnings.join(' ')).toMatch(/^sections: events would archive/);
    const stored = await queryRoster(env, school, 'SELECT is_active FROM sections');
    expect(stored.filter((r) => Boolean(r.is_active))).toHaveLength(all.length);
    // The other schools went on.
    expect(
      held.districts[0]!.schools.filter((s) => s.cleverSchoolId !== school).every(
        (s) => s.status === 'Succeeded',
      ),
    ).toBe(true);

    const forced = await env.service.syncSchool(school, { force: true, trigger: 'test' });
    expect(forced.status).toBe('Succeeded');
    const verification = await verify(env);
    expect(JSON.stringify(mismatches(verification))).toBe('[]');
    const after = verification.schools.find((s) => s.cleverSchoolId === school)!;
    expect(after.sections?.actual).toBe(all.length - removed.length);
    expect(comparisonMatches(after.enrollments)).toBe(true);
  });
});

describe('a district that does not share its classes (403 on sections)', () => {
  let env: SyncEnv;
  beforeAll(async () => {
    env = await createSyncEnv('sqlite', { ...SMALL_DISTRICT, sectionsScope: false });
  }, 120_000);
  afterAll(async () => env?.dispose());

  it('syncs students and teachers, skips classes, and says so once', async () => {
    const result = await env.service.syncAllDistricts();
    expect(result.status).toBe('Succeeded');
    const verification = await verifyAgainstEmulator(
      { session: env.session, schoolDatabases: env.schools },
      env.emulator,
      { entities: ['students', 'teachers'] },
    );
    expect(verification.matches).toBe(true);
    expect(result.warnings.filter((w) => w === CLASS_ROSTERS_NOT_SHARED)).toHaveLength(1);
    expect(result.schoolsFailed).toBe(0);
    expect(result.byEntity.sections?.processed ?? 0).toBe(0);
    const second = await env.service.syncAllDistricts();
    expect(second.status).toBe('Succeeded');
    expect(second.schoolsFailed).toBe(0);
  });
});
