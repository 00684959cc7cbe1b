/**
 * Checks a synced database against the emulator's truth: per school, the active student and
 * teacher ids in the school's database must be exactly the ids the emulator serves for it.
 * One school's ids are held at a time (the demo and end-to-end tests use small districts).
 */
import type { EmulatorHandle } from '../../emulator/index.js';
import type { SyncServices } from '../app.js';
import type { RosterEntity } from '../domain/index.js';

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
}

export interface Verification {
  matches: boolean;
  schools: SchoolComparison[];
  /** Shared schools of the emulator that SessionDb does not hold as active, and the reverse. */
  missingSchools: string[];
  extraSchools: string[];
}

const SAMPLE = 5;

export async function verifyAgainstEmulator(
  services: SyncServices,
  emulator: EmulatorHandle,
): Promise<Verification> {
  const expectedSchools = new Set<string>();
  for (const districtId of emulator.truth.districtIds()) {
    for (const school of emulator.truth.schools(districtId)) expectedSchools.add(school.id);
  }
  const stored = await services.session.schools.list({ activeOnly: true });
  const storedIds = new Set(stored.map((s) => s.cleverSchoolId));
  const schools: SchoolComparison[] = [];
  for (const school of stored.filter((s) => expectedSchools.has(s.cleverSchoolId))) {
    const roster = await services.schoolDatabases.forSchool(school);
    const compare = async (entity: RosterEntity): Promise<EntityComparison> => {
      const source =
        entity === 'students'
          ? emulator.truth.studentsOfSchool(school.cleverSchoolId)
          : emulator.truth.teachersOfSchool(school.cleverSchoolId);
      const expected = new Set<string>();
      for (const user of source) expected.add(user.id);
      const actual = new Set<string>();
      for await (const page of roster.iterateActiveCleverIds(entity)) for (const id of page) actual.add(id);
      return {
        expected: expected.size,
        actual: actual.size,
        missing: [...expected].filter((id) => !actual.has(id)).slice(0, SAMPLE),
        extra: [...actual].filter((id) => !expected.has(id)).slice(0, SAMPLE),
      };
    };
    schools.push({
      cleverSchoolId: school.cleverSchoolId,
      students: await compare('students'),
      teachers: await compare('teachers'),
    });
  }
  const missingSchools = [...expectedSchools].filter((id) => !storedIds.has(id));
  const extraSchools = [...storedIds].filter((id) => !expectedSchools.has(id));
  const entityMatches = (c: EntityComparison) =>
    c.expected === c.actual && c.missing.length === 0 && c.extra.length === 0;
  return {
    matches:
      missingSchools.length === 0 &&
      extraSchools.length === 0 &&
      schools.every((s) => entityMatches(s.students) && entityMatches(s.teachers)),
    schools,
    missingSchools,
    extraSchools,
  };
}
