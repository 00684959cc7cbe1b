/**
 * Clever Data API v3.0 / v3.1 records as the rest of clever-sync sees them, after tolerant parsing at
 * the boundary (src/clever/api/parse*.ts): unknown fields dropped, `""` enums kept as "",
 * optional fields undefined when absent. Field names follow the wire (snake_case) so mapping
 * code reads like Clever's documentation.
 */

export interface CleverName {
  first: string;
  middle?: string;
  last: string;
}

export interface CleverLocation {
  address?: string;
  city?: string;
  state?: string;
  zip?: string;
  lat?: string;
  lon?: string;
}

export interface CleverDistrict {
  id: string;
  name: string;
  sis_type?: string;
  launch_date?: string;
  portal_url?: string;
  login_methods?: string[];
  last_sync?: string;
  state?: string;
  nces_id?: string;
  mdr_number?: string;
}

export interface CleverSchool {
  id: string;
  district: string;
  name: string;
  created?: string;
  last_modified?: string;
  sis_id?: string;
  school_number?: string;
  state_id?: string;
  nces_id?: string;
  mdr_number?: string;
  phone?: string;
  low_grade?: string;
  high_grade?: string;
  principal?: { name?: string; email?: string };
  location?: CleverLocation;
  ext?: Record<string, unknown>;
}

/** A section (class) of a school. `teacher` is the primary teacher; `teachers`/`students` list members. */
export interface CleverSection {
  id: string;
  district: string;
  school: string;
  name: string;
  subject?: string;
  grade?: string;
  period?: string;
  section_number?: string;
  course?: string;
  /** `term_id` in v3.0 and v3.1 (some older payloads say `term`). */
  term_id?: string;
  teacher?: string;
  teachers: string[];
  students: string[];
  sis_id?: string;
  created?: string;
  last_modified?: string;
  /** Data API v3.1. */
  lms_status?: Record<string, unknown>;
  ext?: Record<string, unknown>;
}

/** A course: district-wide in Clever, referenced by sections. */
export interface CleverCourse {
  id: string;
  district: string;
  name: string;
  number?: string;
}

/** A term: district-wide in Clever, referenced by sections. */
export interface CleverTerm {
  id: string;
  district: string;
  name: string;
  start_date?: string;
  end_date?: string;
}

export interface CleverEnrollment {
  school: string;
  start_date?: string;
  end_date?: string;
}

export interface CleverStudentRole {
  sis_id?: string;
  school?: string;
  schools: string[];
  enrollments?: CleverEnrollment[];
  student_number?: string;
  state_id?: string;
  grade?: string;
  dob?: string;
  gender?: string;
  hispanic_ethnicity?: string;
  race?: string;
  ell_status?: string;
  iep_status?: string;
  frl_status?: string;
  home_language?: string;
  graduation_year?: string;
  /** Data API v3.1 (absent in v3.0 answers). */
  preferred_name?: CleverName | Partial<CleverName>;
  gifted_status?: string;
  section_504_status?: string;
  home_language_code?: string;
  disability?: { disability_status?: string; disability_code?: string; disability_type?: string };
  credentials?: { district_username?: string };
  location?: CleverLocation;
  ext?: Record<string, unknown>;
  legacy_id?: string;
  email?: string;
}

export interface CleverTeacherRole {
  sis_id?: string;
  school?: string;
  schools: string[];
  teacher_number?: string;
  title?: string;
  state_id?: string;
  credentials?: { district_username?: string };
  legacy_id?: string;
  ext?: Record<string, unknown>;
  /** Not in Clever's spec, but real records carry it (sometimes only here). */
  email?: string;
}

/** A Clever v3 user. `CleverStudent` / `CleverTeacher` are users known to carry that role. */
export interface CleverUser {
  id: string;
  district: string;
  name: CleverName;
  email?: string;
  created?: string;
  last_modified?: string;
  roles: {
    student?: CleverStudentRole;
    teacher?: CleverTeacherRole;
    staff?: Record<string, unknown>;
    district_admin?: Record<string, unknown>;
    contact?: Record<string, unknown>;
  };
}

export type CleverStudent = CleverUser & { roles: { student: CleverStudentRole } };
export type CleverTeacher = CleverUser & { roles: { teacher: CleverTeacherRole } };

export type CleverEventType =
  `${'districts' | 'schools' | 'users' | 'sections' | 'terms' | 'courses' | 'resources'}.${'created' | 'updated' | 'deleted'}`;

export interface CleverEvent {
  id: string;
  type: CleverEventType | string;
  created: string;
  /** The full record after the change (for deleted: the record as it was). */
  object: Record<string, unknown>;
  /** Deep partial of changed fields' old values (updates only). Read from `data.previous_attributes`, falling back to the sibling. */
  previousAttributes?: Record<string, unknown>;
}

export interface CleverLink {
  rel: 'self' | 'next' | 'prev' | string;
  uri: string;
}

/** The paging links of a list response. */
export interface CleverPaging {
  self?: string;
  next?: string;
  prev?: string;
}

/** The list envelope `{data: [{data, uri}], links: [...]}`, items already unwrapped and parsed. */
export interface CleverApiResponse<T> {
  data: T[];
  paging: CleverPaging;
}

export interface PageOptions {
  /** `limit`, 1..10000; defaults to the configured page size. */
  pageSize?: number;
  startingAfter?: string;
}

export interface EventQuery {
  startingAfter?: string;
  schoolId?: string;
  recordTypes?: ('districts' | 'schools' | 'users' | 'sections' | 'terms' | 'courses' | 'resources')[];
  pageSize?: number;
}

/**
 * Streaming access to one district's data (one district-app token). Collections are async
 * iterables of pages: nothing ever accumulates a whole roster.
 */
export interface CleverDistrictApi {
  readonly districtId: string;
  getDistrict(): Promise<CleverDistrict>;
  getSchools(options?: PageOptions): AsyncIterable<CleverSchool[]>;
  getSchool(schoolId: string): Promise<CleverSchool>;
  /**
   * Students of a school (`/schools/{id}/users?role=student`). Clever has no server-side
   * last_modified filter: `lastModified` filters client-side, after the pages were fetched.
   */
  /**
   * `/schools/{id}/users` without a role: every student, teacher and staff member associated with
   * the school, each once, in one listing (half the requests of a students read plus a teachers read).
   */
  getSchoolUsers(schoolId: string, options?: PageOptions): AsyncIterable<CleverUser[]>;
  getStudents(schoolId: string, lastModified?: Date, options?: PageOptions): AsyncIterable<CleverStudent[]>;
  getTeachers(schoolId: string, lastModified?: Date, options?: PageOptions): AsyncIterable<CleverTeacher[]>;
  getUser(userId: string): Promise<CleverUser>;
  /** `/schools/{id}/sections`: the school's sections with their member lists (scope read:sections). */
  getSchoolSections(schoolId: string, options?: PageOptions): AsyncIterable<CleverSection[]>;
  /** `/schools/{id}/courses`: the courses of the school's sections. */
  getSchoolCourses(schoolId: string, options?: PageOptions): AsyncIterable<CleverCourse[]>;
  /** `/schools/{id}/terms`: the terms of the school's sections. */
  getSchoolTerms(schoolId: string, options?: PageOptions): AsyncIterable<CleverTerm[]>;
  /** `/courses`: the district's course catalogue. */
  getCourses(options?: PageOptions): AsyncIterable<CleverCourse[]>;
  /** `/terms`: the district's terms. */
  getTerms(options?: PageOptions): AsyncIterable<CleverTerm[]>;
  /** Generic paging helper: follows `links.next` until absent. `endpoint` is relative to the version, e.g. `/schools`. */
  getPagedData<T>(
    endpoint: string,
    parseItem: (raw: unknown) => T,
    options?: PageOptions,
  ): AsyncIterable<T[]>;
  /** Events after a cursor, oldest first. */
  getEvents(query?: EventQuery): AsyncIterable<CleverEvent[]>;
  /** Id of the newest event (`ending_before=last&limit=1`), or null when the district has none. */
  getLatestEventId(): Promise<string | null>;
}

export interface CleverApiClient {
  /** Districts that authorized the app, from the token list. */
  getDistricts(): Promise<CleverDistrict[]>;
  /** The API scoped to one district's token (shares that token's rate limiter). */
  forDistrict(districtId: string): CleverDistrictApi;
}
