/**
 * Checks a synced database against the emulator's truth: per school, the active ids of every
 * roster (students, teachers, sections, courses, terms) in the school's database must be exactly
 * the ids the emulator serves for it, and the section links (enrollments: teachers and students
 * of each section) exactly the sections' member lists. One school is held at a time (the demo and
 * end-to-end tests use small districts).
 */
import type { EmulatorHandle } from '../../emulator/index.js';
import type { SyncServices } from '../app.js';
import type { SchoolRosterRepository } from '../db/index.js';
import type { LinkKind, RosterEntity } from '../domain/index.js';

export interface EntityComparison {
  expected: number;
  actual: number;
  /** In the emulator, not active in the database (first few ids). */
  missing: string[];
  /** Active in the database, not in the emulator (first few ids). */
  extra: string[];
}

export interface SchoolComparison {
  cleverSchoolId: string;
  students: EntityComparison;
  teachers: EntityComparison;
  /** Absent when the run did not sync class rosters. */
  sections?: EntityComparison;
  courses?: EntityComparison;
  terms?: EntityComparison;
  /** Section links as `sectionId/memberId`, teachers and students together. */
  enrollments?: EntityComparison;
}

export interface Verification {
  matches: boolean;
  schools: SchoolComparison[];
  /** Shared schools of the emulator that SessionDb does not hold as active, and the reverse. */
  missingSchools: string[];
  extraSchools: string[];
}

export interface VerifyOptions {
  /** The rosters the run synced (default: all). */
  entities?: readonly RosterEntity[];
}

const SAMPLE = 5;

function compareSets(expected: Set<string>, actual: Set<string>): EntityComparison {
  return {
    expected: expected.size,
    actual: actual.size,
    missing: [...expected].filter((id) => !actual.has(id)).slice(0, SAMPLE),
    extra: [...actual].filter((id) => !expected.has(id)).slice(0, SAMPLE),
  };
}

export function comparisonMatches(c: EntityComparison | undefined): boolean {
  return c === undefined || (c.expected === c.actual && c.missing.length === 0 && c.extra.length === 0);
}

export async function verifyAgainstEmulator(
  services: Pick<SyncServices, 'session' | 'schoolDatabases'>,
  emulator: EmulatorHandle,
  options: VerifyOptions = {},
): Promise<Verification> {
  const entities = options.entities ?? ['students', 'teachers', 'sections', 'courses', 'terms'];
  const expectedSchools = new Map<string, string>();
  for (const districtId of emulator.truth.districtIds()) {
    for (const school of emulator.truth.schools(districtId)) expectedSchools.set(school.id, districtId);
  }
  const stored = await services.session.schools.list({ activeOnly: true });
  const storedIds = new Set(stored.map((s) => s.cleverSchoolId));
  const schools: SchoolComparison[] = [];
  for (const school of stored) {
    const districtId = expectedSchools.get(school.cleverSchoolId);
    if (districtId === undefined) continue;
    const roster = await services.schoolDatabases.forSchool(school);
    const truth = emulator.truth;
    const schoolId = school.cleverSchoolId;
    const idsOf = (records: Iterable<{ id: string }>) => new Set([...records].map((r) => r.id));
    const sources: Record<RosterEntity, () => Set<string>> = {
      students: () => idsOf(truth.studentsOfSchool(schoolId)),
      teachers: () => idsOf(truth.teachersOfSchool(schoolId)),
      sections: () => idsOf(truth.sections(districtId, schoolId)),
      courses: () => idsOf(truth.coursesOfSchool(schoolId)),
      terms: () => idsOf(truth.termsOfSchool(schoolId)),
    };
    const comparison: SchoolComparison = {
      cleverSchoolId: schoolId,
      students: await compareEntity(roster, 'students', sources.students()),
      teachers: await compareEntity(roster, 'teachers', sources.teachers()),
    };
    for (const entity of ['sections', 'courses', 'terms'] as const) {
      if (entities.includes(entity))
        comparison[entity] = await compareEntity(roster, entity, sources[entity]());
    }
    if (entities.includes('sections')) {
      const expected = new Set<string>();
      for (const section of truth.sections(districtId, schoolId)) {
        for (const id of new Set([section.teacher, ...section.teachers].filter((t): t is string => !!t)))
          expected.add(`teachers:${section.id}/${id}`);
        for (const id of section.students) expected.add(`students:${section.id}/${id}`);
      }
      const actual = new Set<string>();
      for (const kind of ['teachers', 'students'] as const satisfies readonly LinkKind[]) {
        for await (const page of roster.iterateSectionLinks(kind))
          for (const link of page) actual.add(`${kind}:${link.sectionId}/${link.memberId}`);
      }
      comparison.enrollments = compareSets(expected, actual);
    }
    schools.push(comparison);
  }
  const missingSchools = [...expectedSchools.keys()].filter((id) => !storedIds.has(id));
  const extraSchools = [...storedIds].filter((id) => !expectedSchools.has(id));
  return {
    matches:
      missingSchools.length === 0 && extraSchools.length === 0 && schools.every((s) => schoolMatches(s)),
    schools,
    missingSchools,
    extraSchools,
  };
}

export function schoolMatches(s: SchoolComparison): boolean {
  return [s.students, s.teachers, s.sections, s.courses, s.terms, s.enrollments].every(comparisonMatches);
}

async function compareEntity(
  roster: SchoolRosterRepository,
  entity: RosterEntity,
  expected: Set<string>,
): Promise<EntityComparison> {
  const actual = new Set<string>();
  for await (const page of roster.iterateActiveCleverIds(entity)) for (const id of page) actual.add(id);
  return compareSets(expected, actual);
}
