import type { DistrictData } from './data/district.js';
import { generateSchool, generateUser } from './data/generate.js';
import { iterate } from './data/sorted.js';
import { districtForVersion, userForVersion } from './data/v31.js';
import { schoolIdsOfUser } from './data/visibility.js';
import { previousAttributes } from './events.js';
import type {
  DistrictRecord,
  NameRecord,
  SchoolRecord,
  SchoolRole,
  SectionRecord,
  UserRecord,
} from './types.js';
import { SCHOOL_ROLES } from './types.js';
import type { EmulatorWorld } from './world.js';

/** A bad admin call; `status` is what the HTTP admin API answers with. */
export class EmulatorAdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorAdminError';
  }
}

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

export interface NewSectionInput {
  schoolId: string;
  name?: string;
  /** The first is the primary teacher (`teacher`); all are listed in `teachers`. */
  teacherIds?: string[];
  studentIds?: string[];
  /** Other section fields (subject, grade, period, ...). */
  fields?: Record<string, unknown>;
}

/** A deep partial of a record: objects merge, arrays and scalars replace, null removes the field. */
export type RecordPatch = { [key: string]: unknown };

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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function applyPatch(target: Record<string, unknown>, patch: RecordPatch): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (isPlainObject(value) && isPlainObject(target[key]))
      applyPatch(target[key] as Record<string, unknown>, value);
    else target[key] = structuredClone(value);
  }
}

/**
 * Changes for tests and rehearsals. Each change updates the truth that the API serves and
 * appends the v3 events real Clever would emit (users, schools, sections created, updated,
 * deleted; districts updated).
 */
export class EmulatorAdmin {
  constructor(private readonly world: EmulatorWorld) {}

  private now(): string {
    return new Date(this.world.clock.now()).toISOString();
  }

  private districtById(districtId: string): DistrictData {
    const district = this.world.district(districtId);
    if (district === undefined) throw new EmulatorAdminError(404, `unknown district ${districtId}`);
    return district;
  }

  private districtOf(id: string, what: string): DistrictData {
    const district = this.world.districtOf(id);
    if (district === undefined) throw new EmulatorAdminError(404, `unknown ${what} ${id}`);
    return district;
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
    this.commitUser(district, record, true);
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
    let moved = 0;
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
      moved++;
    }
    if (moved === 0) throw new EmulatorAdminError(400, `user ${userId} is not in school ${from ?? '(none)'}`);
    record.last_modified = this.now();
    return asServed(this.commitUser(district, record, false) ?? record);
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
    for (const section of iterate(district.sectionSource(schoolId)))
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
    for (const section of iterate(district.sectionSource(schoolId)))
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

  private sectionMembers(district: DistrictData, ids: string[] | undefined, role: SchoolRole): string[] {
    for (const id of ids ?? []) {
      if (district.user(id)?.roles[role] === undefined)
        throw new EmulatorAdminError(400, `${id} is not a ${role} of district ${district.id}`);
    }
    return [...(ids ?? [])];
  }

  /** A new section (class) of a shared school: sections.created. */
  createSection(districtId: string, input: NewSectionInput): SectionRecord {
    const district = this.districtById(districtId);
    this.sharedSchoolIndex(district, input.schoolId);
    const id = district.mintSectionId();
    const teachers = this.sectionMembers(district, input.teacherIds, 'teacher');
    const record: SectionRecord = {
      id,
      district: district.id,
      school: input.schoolId,
      name: input.name ?? `Section ${id.slice(-4)}`,
      created: this.now(),
      last_modified: this.now(),
      sis_id: `SEC-${id.slice(-6)}`,
      teachers,
      students: this.sectionMembers(district, input.studentIds, 'student'),
      ...structuredClone(input.fields ?? {}),
    };
    if (teachers[0] !== undefined) record.teacher = teachers[0];
    district.putSection(record);
    this.world.eventLog(district.id).append('sections', 'created', record, [record.school]);
    return record;
  }

  private existingSection(sectionId: string): { district: DistrictData; record: SectionRecord } {
    const district = this.districtOf(sectionId, 'section');
    const record = district.section(sectionId);
    if (record === undefined) throw new EmulatorAdminError(404, `unknown or deleted section ${sectionId}`);
    return { district, record };
  }

  updateSection(sectionId: string, patch: RecordPatch): SectionRecord {
    if ('id' in patch || 'district' in patch || 'school' in patch)
      throw new EmulatorAdminError(400, 'id, district and school cannot change');
    const { district, record: before } = this.existingSection(sectionId);
    const after = structuredClone(before);
    applyPatch(after, patch);
    after.last_modified = this.now();
    district.putSection(after);
    const previous = previousAttributes(before, after);
    if (previous !== undefined)
      this.world.eventLog(district.id).append('sections', 'updated', after, [after.school], previous);
    return after;
  }

  deleteSection(sectionId: string): void {
    const { district, record } = this.existingSection(sectionId);
    district.removeSection(sectionId);
    this.world.eventLog(district.id).append('sections', 'deleted', record, [record.school]);
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
