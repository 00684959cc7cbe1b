import { z } from 'zod';
import type {
  CleverCourse,
  CleverDistrict,
  CleverEvent,
  CleverSchool,
  CleverSection,
  CleverStudent,
  CleverTeacher,
  CleverTerm,
  CleverUser,
} from './types.js';

/**
 * Tolerant record parsing at the boundary. Clever's strings have no length limit, enums may be
 * `""`, booleans are "Y"/"N", numbers sometimes arrive where strings are documented, fields come in
 * any order and unknown fields appear. So: only the Clever `id` is mandatory (every record is keyed
 * on it; a record without one cannot be synced and is a bad response), unknown fields are dropped,
 * and a field of the wrong type becomes `undefined` instead of failing a whole roster.
 */

/** A string field; numbers and booleans are stringified, anything else (null, objects) is dropped. */
const str = z
  .preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string())
  .optional()
  .catch(undefined);

/** A string Clever guarantees; a missing one becomes "" so one sloppy record cannot stop a sync. */
const guaranteedStr = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string()).catch('');

const id = z.string().trim().min(1, 'missing Clever id');

const strList = z
  .array(z.unknown())
  .transform((items) => items.filter((item): item is string => typeof item === 'string' && item !== ''))
  .optional()
  .catch(undefined);

const looseObject = z.record(z.string(), z.unknown()).optional().catch(undefined);

const location = z
  .object({ address: str, city: str, state: str, zip: str, lat: str, lon: str })
  .optional()
  .catch(undefined);

const credentials = z.object({ district_username: str }).optional().catch(undefined);

const enrollment = z.object({ school: z.string().min(1), start_date: str, end_date: str });

/** Drops malformed enrollments (no school) instead of failing the student. */
const enrollments = z
  .array(z.unknown())
  .transform((items) =>
    items.flatMap((item) => {
      const parsed = enrollment.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    }),
  )
  .optional()
  .catch(undefined);

/** `schools[]` is guaranteed; when a record only carries the primary `school`, use that. */
function withSchools<T extends { school?: string | undefined; schools?: string[] | undefined }>(
  role: T,
): Omit<T, 'schools'> & { schools: string[] } {
  const schools = role.schools ?? (role.school ? [role.school] : []);
  return { ...role, schools };
}

const personName = z.object({ first: str, middle: str, last: str }).optional().catch(undefined);

const disability = z
  .object({ disability_status: str, disability_code: str, disability_type: str })
  .optional()
  .catch(undefined);

const studentRole = z
  .object({
    sis_id: str,
    school: str,
    schools: strList,
    enrollments,
    student_number: str,
    state_id: str,
    grade: str,
    dob: str,
    gender: str,
    hispanic_ethnicity: str,
    race: str,
    ell_status: str,
    iep_status: str,
    frl_status: str,
    home_language: str,
    graduation_year: str,
    credentials,
    location,
    ext: looseObject,
    legacy_id: str,
    email: str,
    // Data API v3.1 only.
    preferred_name: personName,
    gifted_status: str,
    section_504_status: str,
    home_language_code: str,
    disability,
  })
  .transform(withSchools);

const teacherRole = z
  .object({
    sis_id: str,
    school: str,
    schools: strList,
    teacher_number: str,
    title: str,
    state_id: str,
    credentials,
    legacy_id: str,
    ext: looseObject,
    // Not in Clever's spec; real records carry the email inside the role, as for students.
    email: str,
  })
  .transform(withSchools);

const name = z
  .object({ first: guaranteedStr, middle: str, last: guaranteedStr })
  .catch({ first: '', middle: undefined, last: '' });

const userSchema = z.object({
  id,
  district: guaranteedStr,
  name,
  email: str,
  created: str,
  last_modified: str,
  roles: z
    .object({
      student: studentRole.optional().catch(undefined),
      teacher: teacherRole.optional().catch(undefined),
      staff: looseObject,
      district_admin: looseObject,
      contact: looseObject,
    })
    .catch({}),
});

const schoolSchema = z.object({
  id,
  district: guaranteedStr,
  name: guaranteedStr,
  created: str,
  last_modified: str,
  sis_id: str,
  school_number: str,
  state_id: str,
  nces_id: str,
  mdr_number: str,
  phone: str,
  low_grade: str,
  high_grade: str,
  principal: z.object({ name: str, email: str }).optional().catch(undefined),
  location,
  ext: looseObject,
});

const districtSchema = z.object({
  id,
  name: guaranteedStr,
  sis_type: str,
  launch_date: str,
  portal_url: str,
  login_methods: strList,
  last_sync: str,
  state: str,
  nces_id: str,
  mdr_number: str,
});

/** Member lists: a missing or malformed list is empty (never fails the section). */
const memberList = strList.transform((items) => items ?? []);

const sectionSchema = z
  .object({
    id,
    district: guaranteedStr,
    school: guaranteedStr,
    name: guaranteedStr,
    subject: str,
    grade: str,
    period: str,
    section_number: str,
    course: str,
    term_id: str,
    term: str,
    teacher: str,
    teachers: memberList,
    students: memberList,
    sis_id: str,
    created: str,
    last_modified: str,
    lms_status: looseObject,
    ext: looseObject,
  })
  .transform(({ term, ...section }) => ({ ...section, term_id: section.term_id ?? term }));

const courseSchema = z.object({ id, district: guaranteedStr, name: guaranteedStr, number: str });

const termSchema = z.object({
  id,
  district: guaranteedStr,
  name: guaranteedStr,
  start_date: str,
  end_date: str,
});

const record = z.record(z.string(), z.unknown());

const eventSchema = z.object({
  id,
  type: z.string().min(1, 'missing event type'),
  created: guaranteedStr,
  data: z
    .object({
      object: record.optional().catch(undefined),
      previous_attributes: record.optional().catch(undefined),
    })
    .catch({}),
  // Clever's spec puts previous_attributes beside `data`; real responses put it inside.
  previous_attributes: record.optional().catch(undefined),
});

/** Thrown by a parser when a record is unusable; the message names fields, never values. */
export class RecordParseError extends Error {}

function parseWith<T>(schema: z.ZodType<T>, kind: string, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new RecordParseError(`invalid ${kind} record${where}: ${issue?.message ?? 'unparseable'}`);
}

export function parseUser(raw: unknown): CleverUser {
  return parseWith(userSchema, 'user', raw);
}

export function parseSchool(raw: unknown): CleverSchool {
  return parseWith(schoolSchema, 'school', raw);
}

export function parseDistrict(raw: unknown): CleverDistrict {
  return parseWith(districtSchema, 'district', raw);
}

export function parseSection(raw: unknown): CleverSection {
  return parseWith(sectionSchema, 'section', raw);
}

export function parseCourse(raw: unknown): CleverCourse {
  return parseWith(courseSchema, 'course', raw);
}

export function parseTerm(raw: unknown): CleverTerm {
  return parseWith(termSchema, 'term', raw);
}

export function parseEvent(raw: unknown): CleverEvent {
  const event = parseWith(eventSchema, 'event', raw);
  const previousAttributes = event.data.previous_attributes ?? event.previous_attributes;
  return {
    id: event.id,
    type: event.type,
    created: event.created,
    object: event.data.object ?? {},
    ...(previousAttributes ? { previousAttributes } : {}),
  };
}

export function isStudent(user: CleverUser): user is CleverStudent {
  return user.roles.student !== undefined;
}

export function isTeacher(user: CleverUser): user is CleverTeacher {
  return user.roles.teacher !== undefined;
}
