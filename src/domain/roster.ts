/**
 * A school's roster as clever-sync keeps it: one row per Clever user and role, mapped from Clever's
 * records by the engine (src/sync/mapping.ts) and stored by the school databases (src/db/school).
 */

/** The user tables (students, teachers): synced from `/schools/{id}/users`. */
export type UserEntity = 'students' | 'teachers';
/** The class tables: synced from `/schools/{id}/sections|courses|terms` (issue 17). */
export type ClassEntity = 'sections' | 'courses' | 'terms';
/** Every table of a school database that holds Clever records (not the section links). */
export type RosterEntity = UserEntity | ClassEntity;
/** In sync order: users first, then sections and the courses and terms they reference. */
export const ROSTER_ENTITY_NAMES: readonly RosterEntity[] = [
  'students',
  'teachers',
  'sections',
  'courses',
  'terms',
];
export const USER_ENTITIES: readonly UserEntity[] = ['students', 'teachers'];

/** Columns common to students and teachers, as mapped from Clever. */
interface RosterRowBase {
  cleverId: string;
  cleverDistrictId: string;
  /** The user's primary school in Clever. */
  cleverSchoolId: string;
  /** JSON array text of every Clever school id the user belongs to. */
  schoolIdsJson: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  email: string | null;
  sisId: string | null;
  stateId: string | null;
  districtUsername: string | null;
  legacyId: string | null;
  /** Clever `ext` object as JSON text. */
  extJson: string | null;
  cleverCreated: Date | null;
  cleverLastModified: Date | null;
}

export interface StudentRow extends RosterRowBase {
  /** roles.student.preferred_name (Data API v3.1). */
  preferredFirstName: string | null;
  preferredMiddleName: string | null;
  preferredLastName: string | null;
  studentNumber: string | null;
  grade: string | null;
  /** ISO date (YYYY-MM-DD) parsed from Clever's M/D/YYYY. */
  dob: string | null;
  gender: string | null;
  hispanicEthnicity: string | null;
  race: string | null;
  ellStatus: string | null;
  iepStatus: string | null;
  frlStatus: string | null;
  /** Data API v3.1: gifted_status, section_504_status (Y/N). */
  giftedStatus: string | null;
  section504Status: string | null;
  /** Data API v3.1: roles.student.disability {disability_status, disability_code, disability_type}. */
  disabilityStatus: string | null;
  disabilityCode: string | null;
  disabilityType: string | null;
  homeLanguage: string | null;
  /** Data API v3.1: ISO 639-3 code of home_language. */
  homeLanguageCode: string | null;
  graduationYear: string | null;
  /** Clever `location` object as JSON text. */
  locationJson: string | null;
  /** JSON array text of Clever enrollments ({school, start_date, end_date}). */
  enrollmentsJson: string | null;
}

export interface TeacherRow extends RosterRowBase {
  teacherNumber: string | null;
  title: string | null;
}

/** A Clever section (class) of the school. Ids of other records are Clever ids (no foreign keys). */
export interface SectionRow {
  cleverId: string;
  cleverDistrictId: string;
  cleverSchoolId: string;
  name: string;
  subject: string | null;
  grade: string | null;
  period: string | null;
  sectionNumber: string | null;
  cleverCourseId: string | null;
  /** Clever `term_id` (v3.0 and v3.1). */
  cleverTermId: string | null;
  /** Clever `teacher`: the primary teacher's Clever id. */
  primaryTeacherCleverId: string | null;
  sisId: string | null;
  /** Data API v3.1 `lms_status` as JSON text. */
  lmsStatusJson: string | null;
  extJson: string | null;
  cleverCreated: Date | null;
  cleverLastModified: Date | null;
}

/** A Clever course (district-wide in Clever; each school database keeps those its sections use). */
export interface CourseRow {
  cleverId: string;
  cleverDistrictId: string;
  name: string;
  number: string | null;
}

/** A Clever term (district-wide in Clever; each school database keeps those its sections use). */
export interface TermRow {
  cleverId: string;
  cleverDistrictId: string;
  name: string;
  /** ISO dates (YYYY-MM-DD) as Clever sends them; null when missing or not a date. */
  startDate: string | null;
  endDate: string | null;
}

export type RosterRow<E extends RosterEntity> = E extends 'students'
  ? StudentRow
  : E extends 'teachers'
    ? TeacherRow
    : E extends 'sections'
      ? SectionRow
      : E extends 'courses'
        ? CourseRow
        : TermRow;

/**
 * Section membership tables: `section_teachers` and `section_students` (enrollments), one row per
 * (section Clever id, member Clever id). Replaced set-wise per section, never delete-all-and-insert.
 */
export type LinkKind = 'teachers' | 'students';
export const LINK_KINDS: readonly LinkKind[] = ['teachers', 'students'];

/** One section's complete member list of one kind, as Clever lists it. */
export interface SectionMembers {
  sectionId: string;
  memberIds: string[];
}

/** What a set-wise replacement did (or, in a dry run, would do). */
export interface LinkChanges {
  /** Links Clever listed (after de-duplication). */
  listed: number;
  added: number;
  removed: number;
}

export function noLinkChanges(): LinkChanges {
  return { listed: 0, added: 0, removed: 0 };
}

export function addLinkChanges(into: LinkChanges, more: LinkChanges): LinkChanges {
  into.listed += more.listed;
  into.added += more.added;
  into.removed += more.removed;
  return into;
}
