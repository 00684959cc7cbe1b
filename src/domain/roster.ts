/**
 * A school's roster as clever-sync keeps it: one row per Clever user and role, mapped from Clever's
 * records by the engine (src/sync/mapping.ts) and stored by the school databases (src/db/school).
 */

export type RosterEntity = 'students' | 'teachers';

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

export type RosterRow<E extends RosterEntity> = E extends 'students' ? StudentRow : TeacherRow;
