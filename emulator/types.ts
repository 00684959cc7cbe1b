/**
 * Wire shapes the emulator serves, field names exactly as Clever sends them. Optional fields are
 * optional here too: generated records leave some out or send `""` (or, with `sendNulls`, `null`),
 * as real districts do. Records are held in their v3.1 shape (a superset of v3.0); `versions.ts`
 * cuts them down for `/v3.0`.
 */
export type ApiVersion = 'v3.0' | 'v3.1';
export const API_VERSIONS: readonly ApiVersion[] = ['v3.0', 'v3.1'];
export type SchoolRole = 'student' | 'teacher' | 'staff';
export type UserRole = SchoolRole | 'district_admin' | 'contact';
export const SCHOOL_ROLES: readonly SchoolRole[] = ['student', 'teacher', 'staff'];
export const USER_ROLES: readonly UserRole[] = ['student', 'teacher', 'staff', 'district_admin', 'contact'];

export interface NameRecord {
  first: string;
  middle?: string | null;
  last: string;
}

export interface LocationRecord {
  address?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  lat?: string | null;
  lon?: string | null;
}

export interface EnrollmentRecord {
  school: string;
  start_date: string;
  end_date: string;
}

export interface StudentRoleRecord {
  sis_id: string;
  school: string;
  schools: string[];
  enrollments: EnrollmentRecord[];
  [field: string]: unknown;
}

export interface TeacherRoleRecord {
  sis_id: string;
  school: string;
  schools: string[];
  [field: string]: unknown;
}

export interface StaffRoleRecord {
  staff_id: string;
  schools: string[];
  [field: string]: unknown;
}

export interface UserRolesRecord {
  student?: StudentRoleRecord;
  teacher?: TeacherRoleRecord;
  staff?: StaffRoleRecord;
  district_admin?: Record<string, unknown>;
  contact?: Record<string, unknown>;
}

export interface UserRecord {
  id: string;
  district: string;
  name: NameRecord;
  email?: string | null;
  created: string;
  last_modified: string;
  roles: UserRolesRecord;
  /** v3.1 only. */
  lms_status?: { synced_in_lms: boolean } | null;
}

export interface SchoolRecord {
  id: string;
  district: string;
  name: string;
  created: string;
  last_modified: string;
  sis_id: string;
  school_number: string;
  [field: string]: unknown;
}

export interface DistrictRecord {
  id: string;
  name: string;
  sis_type: string;
  launch_date: string;
  portal_url: string;
  login_methods: string[];
  [field: string]: unknown;
}

/**
 * A section (class): generated per school (option `sections`, default on) or created through the
 * admin API. `teacher` is the primary teacher (the first of `teachers`). v3.1 adds lms_status.
 */
export interface SectionRecord {
  id: string;
  district: string;
  school: string;
  name: string;
  created: string;
  last_modified: string;
  sis_id: string;
  subject?: string | null;
  grade?: string | null;
  period?: string | null;
  section_number?: string | null;
  course?: string | null;
  term_id?: string | null;
  teacher?: string | null;
  teachers: string[];
  students: string[];
  ext?: Record<string, unknown>;
  /** v3.1 only. */
  lms_status?: { synced_in_lms: boolean } | null;
  [field: string]: unknown;
}

export interface CourseRecord {
  id: string;
  district: string;
  name?: string | null;
  number?: string | null;
  [field: string]: unknown;
}

export interface TermRecord {
  id: string;
  district: string;
  name?: string | null;
  start_date?: string | null;
  end_date?: string | null;
  [field: string]: unknown;
}

/** Record types of the class roster (the `read:sections` scope covers all three). */
export type ClassRecordType = 'sections' | 'courses' | 'terms';
export const CLASS_RECORD_TYPES: readonly ClassRecordType[] = ['sections', 'courses', 'terms'];

export type EventRecordType = 'districts' | 'schools' | 'users' | ClassRecordType;
export type EventAction = 'created' | 'updated' | 'deleted';
export type EventType = `${EventRecordType}.${EventAction}`;

/** An event as served: `previous_attributes` sits inside `data`, as in real responses. */
export interface EventRecord {
  id: string;
  type: EventType;
  created: string;
  data: {
    object: UserRecord | SchoolRecord | DistrictRecord | SectionRecord | CourseRecord | TermRecord;
    previous_attributes?: Record<string, unknown>;
  };
  previous_attributes?: Record<string, unknown>;
}
