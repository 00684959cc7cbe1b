import { iterate } from './data/sorted.js';
import { eventForVersion } from './data/v31.js';
import { toWireEvent } from './events.js';
import type {
  ApiVersion,
  CourseRecord,
  DistrictRecord,
  EventRecord,
  SchoolRecord,
  SchoolRole,
  SectionRecord,
  TermRecord,
  UserRecord,
  UserRole,
} from './types.js';
import type { EmulatorWorld } from './world.js';

export interface SchoolUsersQuery {
  role?: SchoolRole;
  /** Only users whose primary school this is (`primary=true`). */
  primary?: boolean;
}

/**
 * Read-only view of what the emulator currently serves, for tests that compare a synced
 * database with the source. Lists are lazy iterables in ascending id order, yielding exactly
 * the records the API returns under `version` (default v3.0, what clients ask for by default);
 * nothing holds a whole district in memory.
 */
export class EmulatorTruth {
  constructor(
    private readonly world: EmulatorWorld,
    readonly version: ApiVersion = 'v3.0',
  ) {}

  /** The same view with another version's record shapes (`truth.as('v3.1')`). */
  as(version: ApiVersion): EmulatorTruth {
    return version === this.version ? this : new EmulatorTruth(this.world, version);
  }

  private districtData(districtId: string) {
    const district = this.world.district(districtId);
    if (district === undefined) throw new Error(`unknown district ${districtId}`);
    return district;
  }

  districtIds(): string[] {
    return this.world.districts.map((d) => d.id);
  }

  district(districtId: string): DistrictRecord | undefined {
    return this.world.district(districtId)?.district(this.version);
  }

  /** Shared schools of a district. */
  schools(districtId: string): Iterable<SchoolRecord> {
    return iterate(this.districtData(districtId).schoolSource());
  }

  /** A shared school, or undefined (unknown or unshared). */
  school(schoolId: string): SchoolRecord | undefined {
    return this.world.districtOf(schoolId)?.school(schoolId);
  }

  /** Users of a district, optionally one role (`/users?role=`). */
  users(districtId: string, role?: UserRole): Iterable<UserRecord> {
    return iterate(
      this.districtData(districtId).userSource(role === undefined ? {} : { role }, this.version),
    );
  }

  /** Members of a shared school (`/schools/{id}/users`); empty for unknown or unshared schools. */
  usersOfSchool(schoolId: string, query: SchoolUsersQuery = {}): Iterable<UserRecord> {
    const district = this.world.districtOf(schoolId);
    if (district === undefined || !district.isSchoolShared(schoolId)) return [];
    return iterate(
      district.userSource({ schoolId, role: query.role, primaryOnly: query.primary === true }, this.version),
    );
  }

  studentsOfSchool(schoolId: string): Iterable<UserRecord> {
    return this.usersOfSchool(schoolId, { role: 'student' });
  }

  teachersOfSchool(schoolId: string): Iterable<UserRecord> {
    return this.usersOfSchool(schoolId, { role: 'teacher' });
  }

  /** A visible user, or undefined (unknown, deleted or unshared). */
  user(userId: string): UserRecord | undefined {
    return this.world.districtOf(userId)?.user(userId, undefined, this.version);
  }

  /**
   * Sections of a district (those of shared schools), or of one school: generated and
   * admin-created, as `/sections` and `/schools/{id}/sections` serve them. Their `students` and
   * `teachers` are the enrollments.
   */
  sections(districtId: string, schoolId?: string): Iterable<SectionRecord> {
    return iterate(this.districtData(districtId).classes.sectionSource(schoolId, this.version));
  }

  /** A served section, or undefined (unknown, deleted or of an unshared school). */
  section(sectionId: string): SectionRecord | undefined {
    return this.world.districtOf(sectionId)?.classes.section(sectionId, this.version);
  }

  /** Every course of a district (`/courses`). */
  courses(districtId: string): Iterable<CourseRecord> {
    return iterate(this.districtData(districtId).classes.courseSource());
  }

  /** Every term of a district (`/terms`). */
  terms(districtId: string): Iterable<TermRecord> {
    return iterate(this.districtData(districtId).classes.termSource());
  }

  /** Courses the sections of a shared school use (`/schools/{id}/courses`); empty otherwise. */
  coursesOfSchool(schoolId: string): Iterable<CourseRecord> {
    const district = this.world.districtOf(schoolId);
    if (district === undefined || !district.isSchoolShared(schoolId)) return [];
    return iterate(district.classes.coursesOfSchool(schoolId));
  }

  /** Terms the sections of a shared school use (`/schools/{id}/terms`); empty otherwise. */
  termsOfSchool(schoolId: string): Iterable<TermRecord> {
    const district = this.world.districtOf(schoolId);
    if (district === undefined || !district.isSchoolShared(schoolId)) return [];
    return iterate(district.classes.termsOfSchool(schoolId));
  }

  /** Retained events of a district, oldest first, as served. */
  events(districtId: string): EventRecord[] {
    this.districtData(districtId);
    return this.world
      .eventLog(districtId)
      .retained()
      .map((event) => eventForVersion(toWireEvent(event), this.version));
  }

  latestEventId(districtId: string): string | undefined {
    return this.events(districtId).at(-1)?.id;
  }
}
