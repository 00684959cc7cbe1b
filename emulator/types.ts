/**
 * Wire shapes the emulator serves, field names exactly as Clever sends them. Optional fields are
 * optional here too: generated records leave some out or send `""`, as real districts do.
 */
export type SchoolRole = 'student' | 'teacher' | 'staff';
export type UserRole = SchoolRole | 'district_admin' | 'contact';
export const SCHOOL_ROLES: readonly SchoolRole[] = ['student', 'teacher', 'staff'];
export const USER_ROLES: readonly UserRole[] = ['student', 'teacher', 'staff', 'district_admin', 'contact'];

export interface NameRecord {
  first: string;
  middle?: string;
  last: string;
}

export interface LocationRecord {
  address?: string;
  city?: string;
  state?: string;
  zip?: string;
  lat?: string;
  lon?: string;
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
  email?: string;
  created: string;
  last_modified: string;
  roles: UserRolesRecord;
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

export type EventRecordType = 'districts' | 'schools' | 'users';
export type EventAction = 'created' | 'updated' | 'deleted';
export type EventType = `${EventRecordType}.${EventAction}`;

/** An event as served: `previous_attributes` sits inside `data`, as in real responses. */
export interface EventRecord {
  id: string;
  type: EventType;
  created: string;
  data: {
    object: UserRecord | SchoolRecord | DistrictRecord;
    previous_attributes?: Record<string, unknown>;
  };
  previous_attributes?: Record<string, unknown>;
}
