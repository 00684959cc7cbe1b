/**
 * What Data API v3.1 adds to v3.0 (Clever's v3.0 and v3.1 definitions differ only in these
 * fields): students gain preferred_name, disability, frl_status, gifted_status, home_language,
 * home_language_code, iep_status and section_504_status; users gain lms_status; districts gain
 * last_attendance_sync, lms_state and lms_type; sections gain lms_status. Schools, teachers, staff,
 * enrollments, courses and terms are the same in both versions.
 *
 * The generated values come from their own random stream, so adding them never changes a v3.0
 * field: a v3.0 record is exactly its v3.1 record without these fields.
 */
import { Rng } from '../random.js';
import type {
  ApiVersion,
  DistrictRecord,
  EventRecord,
  SectionRecord,
  StudentRoleRecord,
  UserRecord,
} from '../types.js';
import { FIRST_NAMES, LAST_NAMES } from './names.js';

export const V31_STUDENT_FIELDS = [
  'preferred_name',
  'disability',
  'frl_status',
  'gifted_status',
  'home_language',
  'home_language_code',
  'iep_status',
  'section_504_status',
] as const;
export const V31_USER_FIELDS = ['lms_status'] as const;
export const V31_DISTRICT_FIELDS = ['last_attendance_sync', 'lms_state', 'lms_type'] as const;
export const V31_SECTION_FIELDS = ['lms_status'] as const;

const SALT = { student: 101, user: 102, district: 103 } as const;

// A few pairs of the definitions' home_language / home_language_code enums.
const HOME_LANGUAGES = [
  ['English', 'eng'],
  ['English', 'eng'],
  ['English', 'eng'],
  ['Spanish', 'spa'],
  ['Spanish', 'spa'],
  ['Vietnamese', 'vie'],
  ['Mandarin', 'cmn'],
  ['Arabic', 'ara'],
  ['Somali', 'som'],
  ['Haitian Creole', 'hat'],
  ['Tagalog', 'tgl'],
  ['Other', 'other'],
] as const;

// disability_code / disability_type pairs from the definitions' enums.
const DISABILITIES = [
  ['sld', 'Specific learning disability'],
  ['sli', 'Speech or language impairment'],
  ['ohi', 'Other health impairment'],
  ['aut', 'Autism'],
  ['dd', 'Developmental delay'],
  ['emn', 'Emotional disturbance'],
] as const;

/** Usually one of the values, sometimes "" and sometimes absent (left out). */
function maybe<T extends string>(r: Rng, values: readonly T[], presence = 0.8): T | '' | undefined {
  const roll = r.next() / 2 ** 32;
  if (roll < presence) return r.pick(values);
  return roll < presence + (1 - presence) / 2 ? '' : undefined;
}

function set(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/** Adds the v3.1 student fields to a generated student role (user `index`). */
export function addV31StudentFields(
  role: StudentRoleRecord,
  seedInt: number,
  districtSlot: number,
  index: number,
): void {
  const r = new Rng(seedInt, districtSlot, SALT.student, index);
  if (r.chance(0.2)) {
    const preferred: Record<string, unknown> = { first: r.pick(FIRST_NAMES) };
    if (r.chance(0.15)) preferred.middle = r.pick(FIRST_NAMES);
    if (r.chance(0.2)) preferred.last = r.pick(LAST_NAMES);
    role.preferred_name = preferred;
  }
  const roll = r.next() / 2 ** 32;
  if (roll < 0.12) {
    const [code, type] = r.pick(DISABILITIES);
    role.disability = { disability_code: code, disability_status: 'Y', disability_type: type };
  } else if (roll < 0.8) {
    role.disability = { disability_status: 'N' };
  }
  set(role, 'frl_status', maybe(r, ['Free', 'Reduced', 'Paid', 'Paid', 'Other'], 0.7));
  set(role, 'gifted_status', maybe(r, ['Y', 'N', 'N', 'N', 'N'], 0.7));
  if (r.chance(0.75)) {
    const [language, code] = r.pick(HOME_LANGUAGES);
    role.home_language = language;
    role.home_language_code = code;
  }
  set(role, 'iep_status', maybe(r, ['Y', 'N', 'N', 'N', 'N'], 0.7));
  set(role, 'section_504_status', maybe(r, ['Y', 'N', 'N', 'N', 'N', 'N'], 0.7));
}

/** Adds the v3.1 user fields (lms_status) to a generated user. */
export function addV31UserFields(
  user: UserRecord,
  seedInt: number,
  districtSlot: number,
  index: number,
): void {
  const r = new Rng(seedInt, districtSlot, SALT.user, index);
  if (r.chance(0.5)) user.lms_status = { synced_in_lms: r.chance(0.5) };
}

export function addV31DistrictFields(district: DistrictRecord, seedInt: number, districtSlot: number): void {
  const r = new Rng(seedInt, districtSlot, SALT.district);
  district.lms_type = r.pick(['canvas', 'schoology', 'google_classroom', '']);
  district.lms_state = district.lms_type === '' ? '' : 'success';
  district.last_attendance_sync = new Date(
    Date.UTC(2025, 0, 1) + r.int(180 * 24 * 3600 * 1000),
  ).toISOString();
}

function without(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  if (!fields.some((field) => field in record)) return record;
  const copy = { ...record };
  for (const field of fields) delete copy[field];
  return copy;
}

/**
 * A user (or a deep partial of one, e.g. previous_attributes) as `version` serves it: for v3.0,
 * without the v3.1 fields. The input is never modified.
 */
export function userForVersion<T extends Partial<UserRecord>>(user: T, version: ApiVersion): T {
  if (version === 'v3.1') return user;
  let out = without(user as Record<string, unknown>, V31_USER_FIELDS) as T;
  const student = user.roles?.student as Record<string, unknown> | undefined;
  if (student !== undefined && student !== null) {
    const cut = without(student, V31_STUDENT_FIELDS);
    if (cut !== student) out = { ...out, roles: { ...user.roles, student: cut } };
  }
  return out;
}

export function districtForVersion<T extends Partial<DistrictRecord>>(district: T, version: ApiVersion): T {
  return version === 'v3.1' ? district : (without(district, V31_DISTRICT_FIELDS) as T);
}

/** A section (or a deep partial of one) as `version` serves it: v3.0 has no lms_status. */
export function sectionForVersion<T extends Partial<SectionRecord>>(section: T, version: ApiVersion): T {
  return version === 'v3.1' ? section : (without(section, V31_SECTION_FIELDS) as T);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * previous_attributes after the cut: objects the cut emptied go too (`{roles: {student: {}}}`
 * says nothing), objects that were empty to begin with stay. Undefined when nothing is left.
 */
function pruneEmptied(cut: Record<string, unknown>, original: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cut)) {
    const before = original[key];
    if (isPlainObject(value) && isPlainObject(before) && Object.keys(before).length > 0) {
      const kept = pruneEmptied(value, before);
      if (kept !== undefined) out[key] = kept;
    } else {
      out[key] = value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** An event as `version` serves it: its object and previous_attributes cut like the records. */
export function eventForVersion(event: EventRecord, version: ApiVersion): EventRecord {
  if (version === 'v3.1') return event;
  const recordType = event.type.split('.')[0];
  const cut = (value: Record<string, unknown>) =>
    recordType === 'users'
      ? userForVersion(value as Partial<UserRecord>, version)
      : recordType === 'districts'
        ? districtForVersion(value as Partial<DistrictRecord>, version)
        : recordType === 'sections'
          ? sectionForVersion(value as Partial<SectionRecord>, version)
          : value;
  const data: EventRecord['data'] = {
    object: cut(event.data.object as never) as EventRecord['data']['object'],
  };
  const previous = (value: Record<string, unknown> | undefined) =>
    value === undefined ? undefined : pruneEmptied(cut(value), value);
  const inside = previous(event.data.previous_attributes);
  if (inside !== undefined) data.previous_attributes = inside;
  const wire: EventRecord = { ...event, data };
  const beside = previous(event.previous_attributes);
  if (beside !== undefined) wire.previous_attributes = beside;
  else delete wire.previous_attributes;
  return wire;
}
