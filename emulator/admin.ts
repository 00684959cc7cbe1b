import { applyPatch, ClassAdmin, type NewSectionInput, type RecordPatch } from './admin-classes.js';
import { AdminLookups, EmulatorAdminError } from './admin-error.js';
import type { DistrictData } from './data/district.js';
import { generateSchool, generateUser } from './data/generate.js';
import { iterate } from './data/sorted.js';
import { districtForVersion, userForVersion } from './data/v31.js';
import { schoolIdsOfUser } from './data/visibility.js';
import { previousAttributes } from './events.js';
import type {
  CourseRecord,
  DistrictRecord,
  NameRecord,
  SchoolRecord,
  SchoolRole,
  SectionRecord,
  TermRecord,
  UserRecord,
} from './types.js';
import { SCHOOL_ROLES } from './types.js';
import type { EmulatorWorld } from './world.js';

export type { NewSectionInput, RecordPatch };
export { EmulatorAdminError };

export interface NewUserInput {
  role: SchoolRole;
  /** Primary school. */
  schoolId: string;
  otherSchoolIds?: string[];
  name?: Partial<NameRecord>;
  email?: string;
  /** Fields set on (or added to) the role object, e.g. { grade: '3', sis_id: 'X-1' }. */
  roleFields?: Record<string, unknown>;
}

export interface MoveUserOptions {
  /** School to leave; default: the primary school of the user's first school role. */
  fromSchoolId?: string;
  /** Only move this role; default: every role that lists fromSchoolId. */
  role?: SchoolRole;
}

type RoleObject = { school?: string; schools: string[]; enrollments?: { school: string }[] } & Record<
  string,
  unknown
>;

/**
 * What admin methods return: the record as `/v3.0` (and the default truth view) serves it. The
 * v3.1 fields are kept in the emulator; `truth.as('v3.1')` shows them.
 */
function asServed(user: UserRecord): UserRecord {
  return userForVersion(user, 'v3.0');
}

/**
 * Changes for tests and rehearsals. Each change updates the truth that the API serves and
 * appends the v3 events real Clever would emit (users, schools, sections, courses, terms created,
 * updated, deleted; districts updated).
 */
export class EmulatorAdmin extends AdminLookups {
  private readonly classes: ClassAdmin;

  constructor(world: EmulatorWorld) {
    super(world);
    this.classes = new ClassAdmin(world);
  }

  private sharedSchoolIndex(district: DistrictData, schoolId: string): number {
    const index = district.schoolIndex(schoolId);
    if (index === undefined || !district.isSchoolShared(schoolId)) {
      throw new EmulatorAdminError(
        404,
        `school ${schoolId} is not a shared school of district ${district.id}`,
      );
    }
    return index;
  }

  private emitUserChange(
    district: DistrictData,
    before: UserRecord | undefined,
    after: UserRecord | undefined,
  ): void {
    const log = this.world.eventLog(district.id);
    const schoolIds = [...new Set([...schoolIdsOfUser(before), ...schoolIdsOfUser(after)])];
    if (before === undefined && after !== undefined) log.append('users', 'created', after, schoolIds);
    else if (before !== undefined && after === undefined) log.append('users', 'deleted', before, schoolIds);
    else if (before !== undefined && after !== undefined) {
      const previous = previousAttributes(before, after);
      if (previous !== undefined) log.append('users', 'updated', after, schoolIds, previous);
    }
  }

  private validateUser(district: DistrictData, record: UserRecord): void {
    if (typeof record.name?.first !== 'string' || typeof record.name?.last !== 'string') {
      throw new EmulatorAdminError(400, 'a user needs name.first and name.last strings');
    }
    for (const roleName of SCHOOL_ROLES) {
      const role = record.roles[roleName] as RoleObject | undefined;
      if (role === undefined) continue;
      if (!Array.isArray(role.schools) || role.schools.length === 0) {
        throw new EmulatorAdminError(400, `roles.${roleName}.schools must list at least one school`);
      }
      for (const id of role.schools) {
        if (district.schoolIndex(id) === undefined) throw new EmulatorAdminError(400, `unknown school ${id}`);
      }
      if (role.school !== undefined && !role.schools.includes(role.school)) {
        throw new EmulatorAdminError(400, `roles.${roleName}.school must be one of its schools`);
      }
    }
  }

  /** Replaces a user's stored record and emits the matching event. */
  private commitUser(district: DistrictData, record: UserRecord, deleted: boolean): UserRecord | undefined {
    const before = district.user(record.id);
    district.putUser(record, deleted);
    const after = district.user(record.id);
    this.emitUserChange(district, before, after);
    return after;
  }

  private existingUser(userId: string): { district: DistrictData; record: UserRecord } {
    const district = this.districtOf(userId, 'user');
    const stored = district.rawUser(userId);
    if (stored === undefined || stored.deleted)
      throw new EmulatorAdminError(404, `unknown or deleted user ${userId}`);
    return { district, record: structuredClone(stored.record) };
  }

  createUser(districtId: string, input: NewUserInput): UserRecord {
    const district = this.districtById(districtId);
    if (!SCHOOL_ROLES.includes(input.role))
      throw new EmulatorAdminError(400, `role must be one of ${SCHOOL_ROLES.join(', ')}`);
    const schoolIds = [input.schoolId, ...(input.otherSchoolIds ?? []).filter((id) => id !== input.schoolId)];
    const indices = schoolIds.map((id) => this.sharedSchoolIndex(district, id));
    const record = generateUser(district.ctx, district.mintUserIndex(), input.role, indices);
    record.created = this.now();
    record.last_modified = record.created;
    if (input.name !== undefined) record.name = { ...record.name, ...input.name };
    if (input.email !== undefined) record.email = input.email;
    if (input.roleFields !== undefined)
      Object.assign(record.roles[input.role]!, structuredClone(input.roleFields));
    this.validateUser(district, record);
    return asServed(this.commitUser(district, record, false)!);
  }

  updateUser(userId: string, patch: RecordPatch): UserRecord {
    if ('id' in patch || 'district' in patch)
      throw new EmulatorAdminError(400, 'id and district cannot change');
    const { district, record } = this.existingUser(userId);
    applyPatch(record as unknown as Record<string, unknown>, patch);
    record.last_modified = this.now();
    this.validateUser(district, record);
    return asServed(this.commitUser(district, record, false) ?? record);
  }

  /** The district stops sharing the user (or deletes it): 404 from now on, users.deleted. */
  deleteUser(userId: string): void {
    const { district, record } = this.existingUser(userId);
    const schools = schoolIdsOfUser(district.user(userId));
    this.commitUser(district, record, true);
    // Rosters follow: the user leaves every section (sections.updated each).
    this.classes.removeFromSections(district, userId, schools, ['student', 'teacher']);
  }

  /** The same id is shared again: users.created. */
  restoreUser(userId: string): UserRecord {
    const district = this.districtOf(userId, 'user');
    const stored = district.rawUser(userId);
    if (stored === undefined) throw new EmulatorAdminError(404, `unknown user ${userId}`);
    if (!stored.deleted) throw new EmulatorAdminError(409, `user ${userId} is not deleted`);
    const record = { ...stored.record, last_modified: this.now() };
    return asServed(this.commitUser(district, record, false) ?? record);
  }

  moveUser(userId: string, toSchoolId: string, options: MoveUserOptions = {}): UserRecord {
    const { district, record } = this.existingUser(userId);
    this.sharedSchoolIndex(district, toSchoolId);
    const roleNames = SCHOOL_ROLES.filter((r) => record.roles[r] !== undefined && (options.role ?? r) === r);
    const first = record.roles[roleNames[0]!] as RoleObject | undefined;
    const from = options.fromSchoolId ?? first?.school ?? first?.schools[0];
    const moved: SchoolRole[] = [];
    for (const roleName of roleNames) {
      const role = record.roles[roleName] as RoleObject;
      if (from === undefined || !role.schools.includes(from)) continue;
      role.schools = [...new Set(role.schools.map((s) => (s === from ? toSchoolId : s)))];
      if (role.school === from) role.school = toSchoolId;
      if (role.enrollments !== undefined) {
        role.enrollments = role.enrollments.map((e) =>
          e.school === from ? { ...e, school: toSchoolId } : e,
        );
      }
      moved.push(roleName);
    }
    if (from === undefined || moved.length === 0)
      throw new EmulatorAdminError(400, `user ${userId} is not in school ${from ?? '(none)'}`);
    record.last_modified = this.now();
    const after = this.commitUser(district, record, false) ?? record;
    // As Clever would: leaving a school means leaving its sections (sections.updated each).
    if (from !== toSchoolId) this.classes.removeFromSections(district, userId, [from], moved);
    return asServed(after);
  }

  addSchool(districtId: string, input: RecordPatch = {}): SchoolRecord {
    const district = this.districtById(districtId);
    if ('id' in input || 'district' in input)
      throw new EmulatorAdminError(400, 'id and district are assigned');
    const record = generateSchool(district.ctx, district.mintSchoolIndex());
    applyPatch(record, input);
    record.created = this.now();
    record.last_modified = record.created;
    district.putSchool(record);
    this.world.eventLog(district.id).append('schools', 'created', record, [record.id]);
    return record;
  }

  updateSchool(schoolId: string, patch: RecordPatch): SchoolRecord {
    if ('id' in patch || 'district' in patch)
      throw new EmulatorAdminError(400, 'id and district cannot change');
    const district = this.districtOf(schoolId, 'school');
    const before = district.rawSchool(schoolId);
    if (before === undefined) throw new EmulatorAdminError(404, `unknown school ${schoolId}`);
    const after = structuredClone(before);
    applyPatch(after, patch);
    after.last_modified = this.now();
    district.putSchool(after);
    const previous = previousAttributes(before, after);
    if (district.isSchoolShared(schoolId) && previous !== undefined) {
      this.world.eventLog(district.id).append('schools', 'updated', after, [schoolId], previous);
    }
    return after;
  }

  /**
   * The district stops sharing a school: /schools/{id} and its users list answer 404,
   * schools.deleted fires (and sections.deleted for its sections), and its users lose the school
   * (users.updated) or, when it was their only one, disappear (users.deleted). Cost grows with
   * the school's size.
   */
  unshareSchool(schoolId: string): void {
    const district = this.districtOf(schoolId, 'school');
    const school = district.school(schoolId);
    if (school === undefined)
      throw new EmulatorAdminError(404, `school ${schoolId} is unknown or already unshared`);
    const log = this.world.eventLog(district.id);
    log.append('schools', 'deleted', school, [schoolId]);
    for (const section of iterate(district.classes.sectionSource(schoolId)))
      log.append('sections', 'deleted', section, [schoolId]);
    const sharedAfter = (id: string) => id !== schoolId && district.isSchoolShared(id);
    for (const user of iterate(district.userSource({ schoolId }))) {
      this.emitUserChange(district, user, district.user(user.id, sharedAfter));
    }
    district.setSchoolShared(schoolId, false);
  }

  /** Shares an unshared school again: schools.created and its users come back. */
  reshareSchool(schoolId: string): void {
    const district = this.districtOf(schoolId, 'school');
    if (district.schoolIndex(schoolId) === undefined || district.isSchoolShared(schoolId)) {
      throw new EmulatorAdminError(409, `school ${schoolId} is unknown or already shared`);
    }
    const sharedBefore = (id: string) => id !== schoolId && district.isSchoolShared(id);
    district.setSchoolShared(schoolId, true);
    const log = this.world.eventLog(district.id);
    log.append('schools', 'created', district.school(schoolId)!, [schoolId]);
    for (const section of iterate(district.classes.sectionSource(schoolId)))
      log.append('sections', 'created', section, [schoolId]);
    for (const user of iterate(district.userSource({ schoolId }))) {
      this.emitUserChange(district, district.user(user.id, sharedBefore), user);
    }
  }

  /** Changes the district record: districts.updated (sync apps ignore it; it must not break them). */
  updateDistrict(districtId: string, patch: RecordPatch): DistrictRecord {
    if ('id' in patch) throw new EmulatorAdminError(400, 'id cannot change');
    const district = this.districtById(districtId);
    const before = district.district();
    const after = structuredClone(before);
    applyPatch(after, patch);
    district.putDistrict(after);
    const previous = previousAttributes(before, after);
    if (previous !== undefined)
      this.world.eventLog(district.id).append('districts', 'updated', after, [], previous);
    return districtForVersion(after, 'v3.0');
  }

  // ---- sections, courses and terms (admin-classes.ts) -----------------------------------------

  /** A new section (class) of a shared school: sections.created. */
  createSection(districtId: string, input: NewSectionInput): SectionRecord {
    return this.classes.createSection(districtId, input);
  }

  /** Changes fields of a section (not its school: moveSection): sections.updated. */
  updateSection(sectionId: string, patch: RecordPatch): SectionRecord {
    return this.classes.updateSection(sectionId, patch);
  }

  /** Deletes (or unshares) a section, generated or created: 404 from now on, sections.deleted. */
  deleteSection(sectionId: string): void {
    this.classes.deleteSection(sectionId);
  }

  /** Enrols a student of the section's school: sections.updated (409 if already enrolled). */
  enrolStudent(sectionId: string, studentId: string): SectionRecord {
    return this.classes.enrolStudent(sectionId, studentId);
  }

  /** Drops a student from a section: sections.updated (409 if not enrolled). */
  dropStudent(sectionId: string, studentId: string): SectionRecord {
    return this.classes.dropStudent(sectionId, studentId);
  }

  /** Moves a section to another shared school; members not in that school leave it. sections.updated. */
  moveSection(sectionId: string, toSchoolId: string): SectionRecord {
    return this.classes.moveSection(sectionId, toSchoolId);
  }

  /** A new course of the district: courses.created. */
  createCourse(districtId: string, fields: RecordPatch = {}): CourseRecord {
    return this.classes.create('courses', districtId, fields);
  }

  updateCourse(courseId: string, patch: RecordPatch): CourseRecord {
    return this.classes.update('courses', courseId, patch);
  }

  /** The course answers 404 and leaves the lists: courses.deleted (sections keep the id). */
  deleteCourse(courseId: string): void {
    this.classes.remove('courses', courseId);
  }

  /** A new term of the district: terms.created. */
  createTerm(districtId: string, fields: RecordPatch = {}): TermRecord {
    return this.classes.create('terms', districtId, fields) as TermRecord;
  }

  updateTerm(termId: string, patch: RecordPatch): TermRecord {
    return this.classes.update('terms', termId, patch) as TermRecord;
  }

  /** The term answers 404 and leaves the lists: terms.deleted (sections keep the id). */
  deleteTerm(termId: string): void {
    this.classes.remove('terms', termId);
  }

  rotateToken(districtId: string): string {
    this.districtById(districtId);
    if (!this.world.tokens.isConnected(districtId))
      throw new EmulatorAdminError(409, `district ${districtId} is disconnected`);
    return this.world.tokens.rotate(districtId);
  }

  disconnectDistrict(districtId: string): void {
    this.districtById(districtId);
    this.world.tokens.disconnect(districtId);
  }

  reconnectDistrict(districtId: string): string {
    this.districtById(districtId);
    return this.world.tokens.reconnect(districtId);
  }

  setEventsEnabled(districtId: string, enabled: boolean): void {
    this.districtById(districtId);
    this.world.eventsEnabled.set(districtId, enabled);
  }

  /** Moves the emulator clock forward (rate-limit windows, event retention, token expiry). */
  advanceClock(ms: number): void {
    try {
      this.world.clock.advance(ms);
    } catch (error) {
      throw new EmulatorAdminError(400, (error as Error).message);
    }
  }
}
