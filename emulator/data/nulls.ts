/**
 * The `sendNulls` option: Clever's definitions mark most optional fields `x-nullable`, and real
 * answers carry `null` where a district has no value. With the option on, every such field a
 * generated record leaves out is sent as `null` instead (added last, so every other field and
 * value stays as without the option).
 */
import type { DistrictRecord, SchoolRecord, UserRecord } from '../types.js';
import { V31_DISTRICT_FIELDS, V31_STUDENT_FIELDS, V31_USER_FIELDS } from './v31.js';

// The x-nullable fields of Clever's v3.0/v3.1 definitions, per object.
const NAME = ['middle'];
const LOCATION = ['address', 'city', 'state', 'zip', 'lat', 'lon'];
const STUDENT = [
  'dob',
  'ell_status',
  'gender',
  'grade',
  'graduation_year',
  'hispanic_ethnicity',
  'location',
  'race',
  'state_id',
  'student_number',
];
// The v3.1 student strings; preferred_name and disability are objects, not nullable themselves.
const STUDENT_V31 = V31_STUDENT_FIELDS.filter(
  (field) => field !== 'preferred_name' && field !== 'disability',
);
const TEACHER = ['state_id', 'teacher_number', 'title'];
const STAFF = ['department', 'title'];
const SCHOOL = ['state_id', 'nces_id', 'mdr_number', 'phone', 'low_grade', 'high_grade', 'location'];
const DISTRICT = ['nces_id', 'mdr_number', 'last_sync', 'state'];
const PREFERRED_NAME = ['first', 'middle', 'last'];
const DISABILITY = ['disability_code', 'disability_status', 'disability_type'];

function fill(target: unknown, fields: readonly string[]): void {
  if (typeof target !== 'object' || target === null) return;
  const record = target as Record<string, unknown>;
  for (const field of fields) if (record[field] === undefined) record[field] = null;
}

/** `v31`: the record carries the v3.1 fields (their absent ones become null too). */
export function fillUserNulls(user: UserRecord, v31: boolean): void {
  fill(user.name, NAME);
  fill(user, v31 ? ['email', ...V31_USER_FIELDS] : ['email']);
  const { student, teacher, staff } = user.roles;
  if (student !== undefined) {
    fill(student.location, LOCATION);
    fill(student, v31 ? [...STUDENT, ...STUDENT_V31] : STUDENT);
    if (v31) {
      fill(student.preferred_name, PREFERRED_NAME);
      fill(student.disability, DISABILITY);
    }
  }
  if (teacher !== undefined) fill(teacher, TEACHER);
  if (staff !== undefined) fill(staff, STAFF);
}

export function fillSchoolNulls(school: SchoolRecord): void {
  fill(school.location, LOCATION);
  fill(school, SCHOOL);
}

export function fillDistrictNulls(district: DistrictRecord, v31: boolean): void {
  fill(district, v31 ? [...DISTRICT, ...V31_DISTRICT_FIELDS] : DISTRICT);
}
