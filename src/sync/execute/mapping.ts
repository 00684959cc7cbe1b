/**
 * Clever records -> database rows. Pure functions: Clever guarantees few fields, sends `""` for
 * empty enums and omits optional ones, so every optional value goes through `text()` and ends up
 * either a meaningful string or null (never `""`, so "no value" has one spelling in SQL).
 */
import type {
  CleverLocation,
  CleverSchool,
  CleverStudent,
  CleverStudentRole,
  CleverTeacher,
  CleverUser,
} from '../../clever/api/index.js';
import type { SchoolUpsert } from '../../db/index.js';
import type { StudentRow, TeacherRow } from '../../domain/index.js';

/**
 * C0/C1 control characters other than tab, line feed and carriage return. PostgreSQL refuses a NUL
 * in text (the whole chunk fails), SQLite's C API cuts the value at it, and none of them belongs in
 * a name or an id: they are dropped once, here, before rows are hashed, so every database stores
 * and hashes the same text.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/**
 * What needs cleaning: a control character or a UTF-16 surrogate (paired or not). Almost no
 * Clever value has either, so one test (no copy) settles most strings.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const NEEDS_CLEANING = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/;

/** The text with control characters dropped and lone UTF-16 surrogates replaced (U+FFFD). */
export function cleanText(value: string): string {
  if (!NEEDS_CLEANING.test(value)) return value;
  // String.prototype.toWellFormed is ES2024 (Node 20 has it; this project's TypeScript lib is ES2023).
  return (value.replace(CONTROL_CHARACTERS, '') as unknown as { toWellFormed(): string }).toWellFormed();
}

/** Trimmed, cleaned text, or null for missing, `""` and whitespace-only values. */
export function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = cleanText(value).trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * A Clever id as sent, only trimmed: an id is a key, so one carrying control characters is
 * invalid (validation reports it) rather than quietly turned into another id.
 */
export function idText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Strings anywhere inside a JSON-bound value, cleaned like `text` (keys included). */
function cleanDeep(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), cleanDeep(v)]));
  }
  return value;
}

/** Clever timestamps are ISO 8601; anything unparseable is treated as absent. */
export function parseTimestamp(value: unknown): Date | null {
  const raw = text(value);
  if (raw === null) return null;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Clever's `dob` is `M/D/YYYY` (leading zeros optional). Stored as ISO `YYYY-MM-DD`; an ISO value
 * is accepted as is. Impossible dates (2/30/2010) become null rather than a wrong birthday.
 */
export function parseDob(value: unknown): string | null {
  const raw = text(value);
  if (raw === null) return null;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  let year: number;
  let month: number;
  let day: number;
  if (us) {
    month = Number(us[1]);
    day = Number(us[2]);
    year = Number(us[3]);
  } else if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]);
    day = Number(iso[3]);
  } else {
    return null;
  }
  if (year < 1900 || month < 1 || month > 12 || day < 1) return null;
  // Day 0 of the next month is the last day of this one (handles leap years).
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** JSON text of an object with its empty values dropped; null when nothing is left. */
export function compactJson(value: Record<string, unknown> | undefined): string | null {
  if (!value || typeof value !== 'object') return null;
  const kept = Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return kept.length === 0 ? null : JSON.stringify(cleanDeep(Object.fromEntries(kept)));
}

function locationJson(location: CleverLocation | undefined): string | null {
  return compactJson(location as Record<string, unknown> | undefined);
}

/**
 * Every school the role belongs to, primary first, without duplicates or blanks. The primary is
 * `role.school`, or the first listed school when Clever leaves it out.
 */
export function roleSchools(role: { school?: string; schools?: string[] }): {
  primary: string | null;
  all: string[];
} {
  const all: string[] = [];
  for (const id of [role.school, ...(role.schools ?? [])]) {
    const clean = text(id);
    if (clean !== null && !all.includes(clean)) all.push(clean);
  }
  return { primary: all[0] ?? null, all };
}

function enrollmentsJson(role: CleverStudentRole): string | null {
  const enrollments = (role.enrollments ?? []).filter((e) => text(e?.school) !== null);
  return enrollments.length === 0 ? null : JSON.stringify(cleanDeep(enrollments));
}

/*
 * mapStudent and mapTeacher build each row as one object literal, the fields every roster shares
 * written out in both: a shared helper spread into the row (`...baseRow(user, role)`) cost 3-5x
 * the whole mapping (a spread copies through a generic path into an object of another shape;
 * bench/record-costs.ts measures it). Keep the shared fields of the two in the same order.
 */

/** A student row from the user's `roles.student`; null when the user has no student role. */
export function mapStudent(user: CleverUser | CleverStudent): StudentRow | null {
  const role = user.roles?.student;
  if (!role) return null;
  const schools = roleSchools(role);
  return {
    cleverId: idText(user.id) ?? '',
    cleverDistrictId: text(user.district) ?? '',
    cleverSchoolId: schools.primary ?? '',
    schoolIdsJson: JSON.stringify(schools.all),
    firstName: text(user.name?.first) ?? '',
    middleName: text(user.name?.middle),
    lastName: text(user.name?.last) ?? '',
    // Real records sometimes carry the address only inside the role (students and teachers).
    email: text(user.email) ?? text(role.email),
    sisId: text(role.sis_id),
    stateId: text(role.state_id),
    districtUsername: text(role.credentials?.district_username),
    legacyId: text(role.legacy_id),
    extJson: compactJson(role.ext),
    cleverCreated: parseTimestamp(user.created),
    cleverLastModified: parseTimestamp(user.last_modified),
    preferredFirstName: text(role.preferred_name?.first),
    preferredMiddleName: text(role.preferred_name?.middle),
    preferredLastName: text(role.preferred_name?.last),
    studentNumber: text(role.student_number),
    grade: text(role.grade),
    dob: parseDob(role.dob),
    gender: text(role.gender),
    hispanicEthnicity: text(role.hispanic_ethnicity),
    race: text(role.race),
    ellStatus: text(role.ell_status),
    iepStatus: text(role.iep_status),
    frlStatus: text(role.frl_status),
    giftedStatus: text(role.gifted_status),
    section504Status: text(role.section_504_status),
    disabilityStatus: text(role.disability?.disability_status),
    disabilityCode: text(role.disability?.disability_code),
    disabilityType: text(role.disability?.disability_type),
    homeLanguage: text(role.home_language),
    homeLanguageCode: text(role.home_language_code),
    graduationYear: text(role.graduation_year),
    locationJson: locationJson(role.location),
    enrollmentsJson: enrollmentsJson(role),
  };
}

/** A teacher row from the user's `roles.teacher`; null when the user has no teacher role. */
export function mapTeacher(user: CleverUser | CleverTeacher): TeacherRow | null {
  const role = user.roles?.teacher;
  if (!role) return null;
  const schools = roleSchools(role);
  return {
    cleverId: idText(user.id) ?? '',
    cleverDistrictId: text(user.district) ?? '',
    cleverSchoolId: schools.primary ?? '',
    schoolIdsJson: JSON.stringify(schools.all),
    firstName: text(user.name?.first) ?? '',
    middleName: text(user.name?.middle),
    lastName: text(user.name?.last) ?? '',
    // Real records sometimes carry the address only inside the role (students and teachers).
    email: text(user.email) ?? text(role.email),
    sisId: text(role.sis_id),
    stateId: text(role.state_id),
    districtUsername: text(role.credentials?.district_username),
    legacyId: text(role.legacy_id),
    extJson: compactJson(role.ext),
    cleverCreated: parseTimestamp(user.created),
    cleverLastModified: parseTimestamp(user.last_modified),
    teacherNumber: text(role.teacher_number),
    title: text(role.title),
  };
}

/** The SessionDb view of a Clever school. */
export function mapSchool(school: CleverSchool): SchoolUpsert {
  return {
    cleverSchoolId: idText(school.id) ?? '',
    name: text(school.name) ?? '',
    schoolNumber: text(school.school_number),
    sisId: text(school.sis_id),
    stateId: text(school.state_id),
    ncesId: text(school.nces_id),
    lowGrade: text(school.low_grade),
    highGrade: text(school.high_grade),
    phone: text(school.phone),
    principalName: text(school.principal?.name),
    principalEmail: text(school.principal?.email),
    locationJson: locationJson(school.location),
    cleverLastModified: parseTimestamp(school.last_modified),
  };
}
