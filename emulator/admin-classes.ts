import { AdminLookups, EmulatorAdminError } from './admin-error.js';
import type { DistrictData } from './data/district.js';
import { sectionForVersion } from './data/v31.js';
import { previousAttributes } from './events.js';
import type { CourseRecord, SchoolRole, SectionRecord, TermRecord } from './types.js';

export interface NewSectionInput {
  schoolId: string;
  name?: string;
  /** The first is the primary teacher (`teacher`); all are listed in `teachers`. */
  teacherIds?: string[];
  studentIds?: string[];
  /** Other section fields (subject, grade, period, course, term_id, ...). */
  fields?: Record<string, unknown>;
}

/** A deep partial of a record: objects merge, arrays and scalars replace, null removes the field. */
export type RecordPatch = { [key: string]: unknown };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function applyPatch(target: Record<string, unknown>, patch: RecordPatch): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (isPlainObject(value) && isPlainObject(target[key]))
      applyPatch(target[key] as Record<string, unknown>, value);
    else target[key] = structuredClone(value);
  }
}

/** Admin methods return sections as `/v3.0` serves them, like users. */
const asServed = (section: SectionRecord) => sectionForVersion(section, 'v3.0');

type Catalog = 'courses' | 'terms';

/**
 * Section, course and term changes of the admin API, with the events Clever would emit. Kept
 * apart from EmulatorAdmin (which delegates here) so each file stays about one kind of record.
 */
export class ClassAdmin extends AdminLookups {
  private requireSharedSchool(district: DistrictData, schoolId: string): void {
    if (district.schoolIndex(schoolId) === undefined || !district.isSchoolShared(schoolId)) {
      throw new EmulatorAdminError(
        404,
        `school ${schoolId} is not a shared school of district ${district.id}`,
      );
    }
  }

  /** Whether a visible user has `role` in `schoolId`. */
  private isMember(district: DistrictData, userId: string, role: SchoolRole, schoolId: string): boolean {
    const roleRecord = district.user(userId)?.roles[role] as { schools?: string[] } | undefined;
    return roleRecord?.schools?.includes(schoolId) === true;
  }

  private sectionMembers(district: DistrictData, ids: string[] | undefined, role: SchoolRole): string[] {
    for (const id of ids ?? []) {
      if (district.user(id)?.roles[role] === undefined)
        throw new EmulatorAdminError(400, `${id} is not a ${role} of district ${district.id}`);
    }
    return [...(ids ?? [])];
  }

  private existingSection(sectionId: string): { district: DistrictData; record: SectionRecord } {
    const district = this.districtOf(sectionId, 'section');
    if (district.classes.section(sectionId) === undefined)
      throw new EmulatorAdminError(404, `unknown or deleted section ${sectionId}`);
    return { district, record: district.classes.rawSection(sectionId)!.record };
  }

  /** Stores the changed section and emits sections.updated (nothing when nothing changed). */
  private commitSection(district: DistrictData, before: SectionRecord, after: SectionRecord): SectionRecord {
    if (previousAttributes(before, after) === undefined) return before;
    after.last_modified = this.now();
    const previous = previousAttributes(before, after);
    district.classes.putSection(after);
    const schools = [...new Set([before.school, after.school])];
    this.world.eventLog(district.id).append('sections', 'updated', after, schools, previous);
    return after;
  }

  createSection(districtId: string, input: NewSectionInput): SectionRecord {
    const district = this.districtById(districtId);
    this.requireSharedSchool(district, input.schoolId);
    const id = district.classes.mintSectionId();
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
    district.classes.putSection(record);
    this.world.eventLog(district.id).append('sections', 'created', record, [record.school]);
    return asServed(record);
  }

  updateSection(sectionId: string, patch: RecordPatch): SectionRecord {
    if ('id' in patch || 'district' in patch || 'school' in patch)
      throw new EmulatorAdminError(
        400,
        'id, district and school cannot change (moveSection moves a section)',
      );
    const { district, record: before } = this.existingSection(sectionId);
    const after = structuredClone(before);
    applyPatch(after, patch);
    return asServed(this.commitSection(district, before, after));
  }

  deleteSection(sectionId: string): void {
    const { district, record } = this.existingSection(sectionId);
    district.classes.putSection(record, true);
    this.world.eventLog(district.id).append('sections', 'deleted', record, [record.school]);
  }

  /** Adds a student of the section's school to it: sections.updated. */
  enrolStudent(sectionId: string, studentId: string): SectionRecord {
    const { district, record: before } = this.existingSection(sectionId);
    if (!this.isMember(district, studentId, 'student', before.school))
      throw new EmulatorAdminError(400, `${studentId} is not a student of school ${before.school}`);
    if (before.students.includes(studentId))
      throw new EmulatorAdminError(409, `${studentId} is already enrolled in ${sectionId}`);
    const after = structuredClone(before);
    after.students = [...after.students, studentId].sort();
    return asServed(this.commitSection(district, before, after));
  }

  /** Removes a student from the section: sections.updated. */
  dropStudent(sectionId: string, studentId: string): SectionRecord {
    const { district, record: before } = this.existingSection(sectionId);
    if (!before.students.includes(studentId))
      throw new EmulatorAdminError(409, `${studentId} is not enrolled in ${sectionId}`);
    const after = structuredClone(before);
    after.students = after.students.filter((id) => id !== studentId);
    return asServed(this.commitSection(district, before, after));
  }

  /**
   * Moves a section to another shared school of its district: sections.updated with the old
   * `school` in previous_attributes (the event names both schools). Students and teachers who are
   * not members of the new school leave the section, so a section only ever lists its school's
   * members.
   */
  moveSection(sectionId: string, toSchoolId: string): SectionRecord {
    const { district, record: before } = this.existingSection(sectionId);
    this.requireSharedSchool(district, toSchoolId);
    if (before.school === toSchoolId)
      throw new EmulatorAdminError(409, `section ${sectionId} is already in school ${toSchoolId}`);
    const after = structuredClone(before);
    after.school = toSchoolId;
    after.students = after.students.filter((id) => this.isMember(district, id, 'student', toSchoolId));
    after.teachers = after.teachers.filter((id) => this.isMember(district, id, 'teacher', toSchoolId));
    setPrimaryTeacher(after);
    return asServed(this.commitSection(district, before, after));
  }

  /**
   * A user left `schoolIds` (moved, deleted): they leave those schools' sections in the given
   * roles, one sections.updated per section, as Clever reports the changed rosters.
   */
  removeFromSections(district: DistrictData, userId: string, schoolIds: string[], roles: SchoolRole[]): void {
    for (const schoolId of schoolIds) {
      for (const before of district.classes.sectionsWithMember(schoolId, userId)) {
        const after = structuredClone(before);
        if (roles.includes('student')) after.students = after.students.filter((id) => id !== userId);
        if (roles.includes('teacher')) {
          after.teachers = after.teachers.filter((id) => id !== userId);
          setPrimaryTeacher(after);
        }
        this.commitSection(district, before, after);
      }
    }
  }

  // ---- courses and terms -----------------------------------------------------------------

  private catalogRecord(type: Catalog, id: string): { district: DistrictData; record: CourseRecord } {
    const district = this.districtOf(id, type === 'courses' ? 'course' : 'term');
    const record = type === 'courses' ? district.classes.course(id) : district.classes.term(id);
    if (record === undefined)
      throw new EmulatorAdminError(404, `unknown or deleted ${type.slice(0, -1)} ${id}`);
    return { district, record };
  }

  private put(
    district: DistrictData,
    type: Catalog,
    record: CourseRecord | TermRecord,
    deleted = false,
  ): void {
    if (type === 'courses') district.classes.putCourse(record, deleted);
    else district.classes.putTerm(record as TermRecord, deleted);
  }

  /** Schools whose sections use the record: what the event's `school=` filter matches. */
  private schoolsUsing(district: DistrictData, type: Catalog, id: string): string[] {
    return district.classes.schoolsUsing(
      id,
      type === 'courses' ? 'course' : 'term_id',
      schoolIdsOf(district),
    );
  }

  create(type: Catalog, districtId: string, fields: RecordPatch): CourseRecord | TermRecord {
    if ('id' in fields || 'district' in fields)
      throw new EmulatorAdminError(400, 'id and district are assigned');
    const district = this.districtById(districtId);
    const id = type === 'courses' ? district.classes.mintCourseId() : district.classes.mintTermId();
    const record: CourseRecord = { id, district: district.id };
    applyPatch(record, fields);
    this.put(district, type, record);
    this.world.eventLog(district.id).append(type, 'created', record, []);
    return record;
  }

  update(type: Catalog, id: string, patch: RecordPatch): CourseRecord | TermRecord {
    if ('id' in patch || 'district' in patch)
      throw new EmulatorAdminError(400, 'id and district cannot change');
    const { district, record: before } = this.catalogRecord(type, id);
    const after = structuredClone(before);
    applyPatch(after, patch);
    const previous = previousAttributes(before, after);
    if (previous === undefined) return before;
    this.put(district, type, after);
    this.world
      .eventLog(district.id)
      .append(type, 'updated', after, this.schoolsUsing(district, type, id), previous);
    return after;
  }

  /** The course or term is gone (404, not listed); sections keep their reference, as ids do. */
  remove(type: Catalog, id: string): void {
    const { district, record } = this.catalogRecord(type, id);
    const schools = this.schoolsUsing(district, type, id);
    this.put(district, type, record, true);
    this.world.eventLog(district.id).append(type, 'deleted', record, schools);
  }
}

function setPrimaryTeacher(section: SectionRecord): void {
  if (section.teachers[0] !== undefined) section.teacher = section.teachers[0];
  else delete section.teacher;
}

function schoolIdsOf(district: DistrictData): string[] {
  const ids: string[] = [];
  const it = district.schoolSource().ascending();
  for (let r = it.next(); !r.done; r = it.next()) ids.push(r.value.id);
  return ids;
}
