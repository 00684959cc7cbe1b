import { IdKind, makeId } from '../ids.js';
import { Rng } from '../random.js';
import type {
  ApiVersion,
  DistrictRecord,
  LocationRecord,
  NameRecord,
  SchoolRecord,
  SchoolRole,
  StaffRoleRecord,
  StudentRoleRecord,
  TeacherRoleRecord,
  UserRecord,
} from '../types.js';
import {
  CITIES,
  DEPARTMENTS,
  DISTRICT_PLACES,
  FIRST_NAMES,
  foldedName,
  LAST_NAMES,
  MIDDLE_NAMES,
  SCHOOL_PLACES,
  STAFF_TITLES,
  STATES,
  STREETS,
  TEACHER_TITLES,
} from './names.js';
import { fillDistrictNulls, fillSchoolNulls, fillUserNulls } from './nulls.js';
import { addV31DistrictFields, addV31StudentFields, addV31UserFields } from './v31.js';

/** Everything a record needs besides its own index; one per district. */
export interface GenerationContext {
  seedInt: number;
  districtSlot: number;
  idPrefix: string;
  districtId: string;
  schoolId(index: number): string;
  /** Absent x-nullable fields are sent as null (option `sendNulls`). */
  sendNulls: boolean;
  /** School levels start with an early learning center (option `earlyLearningSchools`). */
  earlyLearningSchools: boolean;
}

const SALT = { district: 1, school: 2, user: 3 } as const;
const EPOCH_2018_07 = Date.UTC(2018, 6, 1);
const YEAR_MS = 365 * 24 * 3600 * 1000;
export const SCHOOL_YEAR = { start_date: '2024-08-19T00:00:00.000Z', end_date: '2025-06-13T00:00:00.000Z' };
const SCHOOL_LEVELS = [
  {
    suffix: 'Elementary School',
    grades: ['Kindergarten', '1', '2', '3', '4', '5'],
    low: 'Kindergarten',
    high: '5',
  },
  { suffix: 'Middle School', grades: ['6', '7', '8'], low: '6', high: '8' },
  { suffix: 'High School', grades: ['9', '10', '11', '12'], low: '9', high: '12' },
] as const;
/** Only with `earlyLearningSchools`: the grades below kindergarten Clever's enum has. */
const EARLY_LEARNING = {
  suffix: 'Early Learning Center',
  grades: ['InfantToddler', 'Preschool', 'Preschool', 'PreKindergarten'],
  low: 'InfantToddler',
  high: 'PreKindergarten',
} as const;
const RARE_GRADES = [
  '',
  'Ungraded',
  'Other',
  'PreKindergarten',
  'TransitionalKindergarten',
  '13',
  'PostGraduate',
];
const RACES = [
  'Caucasian',
  'Asian',
  'Black or African American',
  'American Indian',
  'Hawaiian or Other Pacific Islander',
  'Two or More Races',
  'Unknown',
  '',
] as const;

export function timestamps(r: Rng): { created: string; last_modified: string } {
  const created = EPOCH_2018_07 + r.int(3 * YEAR_MS);
  return {
    created: new Date(created).toISOString(),
    last_modified: new Date(created + r.int(2 * YEAR_MS)).toISOString(),
  };
}

/** Optional string fields: usually present, sometimes "" and sometimes missing altogether. */
function optional(r: Rng, value: () => string, presence = 0.8): string | undefined {
  const roll = r.next() / 2 ** 32;
  if (roll < presence) return value();
  return roll < presence + (1 - presence) / 2 ? '' : undefined;
}

function setOptional(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

function location(r: Rng): LocationRecord | undefined {
  if (!r.chance(0.8)) return undefined;
  const loc: Record<string, unknown> = {};
  setOptional(
    loc,
    'address',
    optional(r, () => `${1 + r.int(9999)} ${r.pick(STREETS)}`),
  );
  setOptional(
    loc,
    'city',
    optional(r, () => r.pick(CITIES)),
  );
  setOptional(
    loc,
    'state',
    optional(r, () => r.pick(STATES)),
  );
  setOptional(
    loc,
    'zip',
    optional(r, () => r.digits(5)),
  );
  if (r.chance(0.3)) {
    loc.lat = (25 + r.int(2000) / 100).toFixed(4);
    loc.lon = (-70 - r.int(5000) / 100).toFixed(4);
  }
  return loc as LocationRecord;
}

export type SchoolLevel = (typeof SCHOOL_LEVELS)[number] | typeof EARLY_LEARNING;

/** The levels schools cycle through (early learning centers first, when the option is on). */
export function schoolLevels(earlyLearningSchools: boolean): readonly SchoolLevel[] {
  return earlyLearningSchools ? [EARLY_LEARNING, ...SCHOOL_LEVELS] : SCHOOL_LEVELS;
}

export function schoolLevel(ctx: GenerationContext, index: number): SchoolLevel {
  const levels = schoolLevels(ctx.earlyLearningSchools);
  return levels[index % levels.length]!;
}

/** The district as `version` serves it (v3.1 adds its LMS fields). */
export function generateDistrict(ctx: GenerationContext, version: ApiVersion = 'v3.1'): DistrictRecord {
  const r = new Rng(ctx.seedInt, ctx.districtSlot, SALT.district);
  const place = r.pick(DISTRICT_PLACES);
  const record: DistrictRecord = {
    id: ctx.districtId,
    name: `${place} Unified School District #${ctx.districtSlot + 1}`,
    sis_type: r.pick(['sftp', 'powerschool', 'infinite_campus', 'oneroster']),
    launch_date: '2019-08-29',
    portal_url: `https://clever.com/in/${foldedName(place)}${ctx.districtSlot + 1}`,
    login_methods: ['Clever Badges', 'Google', 'SAML'].slice(0, 1 + r.int(3)),
    state: 'success',
    last_sync: new Date(EPOCH_2018_07 + 6 * YEAR_MS + r.int(YEAR_MS)).toISOString(),
  };
  setOptional(
    record,
    'nces_id',
    optional(r, () => r.digits(7)),
  );
  setOptional(
    record,
    'mdr_number',
    optional(r, () => r.digits(8), 0.5),
  );
  if (r.chance(0.7)) {
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(LAST_NAMES);
    record.district_contact = {
      id: makeId(ctx.idPrefix, ctx.districtSlot, IdKind.contact, 0),
      district: ctx.districtId,
      name: { first, last },
      email: `${foldedName(first)}.${foldedName(last)}@district.example.org`,
      title: 'Director of Technology',
    };
  }
  if (version === 'v3.1') addV31DistrictFields(record, ctx.seedInt, ctx.districtSlot);
  if (ctx.sendNulls) fillDistrictNulls(record, version === 'v3.1');
  return record;
}

export function generateSchool(ctx: GenerationContext, index: number): SchoolRecord {
  const r = new Rng(ctx.seedInt, ctx.districtSlot, SALT.school, index);
  const level = schoolLevel(ctx, index);
  const record: SchoolRecord = {
    id: ctx.schoolId(index),
    district: ctx.districtId,
    name: `${r.pick(SCHOOL_PLACES)} ${level.suffix}${index >= SCHOOL_PLACES.length ? ` ${index + 1}` : ''}`,
    ...timestamps(r),
    sis_id: String(1000 + index),
    school_number: String(100 + index).padStart(4, '0'),
    low_grade: level.low,
    high_grade: level.high,
  };
  setOptional(
    record,
    'state_id',
    optional(r, () => `ST-${r.digits(6)}`),
  );
  setOptional(
    record,
    'nces_id',
    optional(r, () => r.digits(12), 0.6),
  );
  setOptional(
    record,
    'mdr_number',
    optional(r, () => r.digits(8), 0.4),
  );
  setOptional(
    record,
    'phone',
    optional(r, () => `(${r.digits(3)}) ${r.digits(3)}-${r.digits(4)}`),
  );
  const principalFirst = r.pick(FIRST_NAMES);
  const principalLast = r.pick(LAST_NAMES);
  record.principal = {
    name: `${principalFirst} ${principalLast}`,
    email: `${foldedName(principalFirst)}.${foldedName(principalLast)}@school.example.org`,
  };
  setOptional(record, 'location', location(r));
  record.ext = r.chance(0.5) ? { region: r.pick(['Norte', 'Sur', 'East', 'West']) } : {};
  if (ctx.sendNulls) fillSchoolNulls(record);
  return record;
}

function personName(r: Rng): NameRecord {
  const name: NameRecord = { first: r.pick(FIRST_NAMES), last: r.pick(LAST_NAMES) };
  const middle = optional(r, () => r.pick(MIDDLE_NAMES), 0.5);
  if (middle !== undefined) name.middle = middle;
  return name;
}

const GRADES_BELOW_KINDERGARTEN: Record<string, number> = {
  Kindergarten: 0,
  TransitionalKindergarten: 0,
  PreKindergarten: -1,
  Preschool: -2,
  InfantToddler: -3,
};

function gradeNumber(grade: string): number {
  const early = GRADES_BELOW_KINDERGARTEN[grade];
  if (early !== undefined) return early;
  const n = Number.parseInt(grade, 10);
  return Number.isNaN(n) ? 6 : n;
}

function studentRole(r: Rng, index: number, schools: string[], level: SchoolLevel, username: string) {
  const grade = r.chance(0.03) ? r.pick(RARE_GRADES) : r.pick(level.grades);
  const n = gradeNumber(grade);
  const role: StudentRoleRecord = {
    sis_id: String(200000 + index),
    school: schools[0]!,
    schools,
    enrollments: schools.map((school) => ({ school, ...SCHOOL_YEAR })),
  };
  setOptional(
    role,
    'student_number',
    optional(r, () => `S${100000 + index}`, 0.9),
  );
  setOptional(
    role,
    'state_id',
    optional(r, () => r.digits(10), 0.7),
  );
  role.grade = grade;
  // dob is absent rather than "" when unknown: Clever's spec gives it a M/D/YYYY pattern.
  if (r.chance(0.9)) role.dob = `${1 + r.int(12)}/${1 + r.int(28)}/${2018 - n - r.int(2)}`;
  setOptional(
    role,
    'gender',
    optional(r, () => r.pick(['M', 'F', 'F', 'M', 'X']), 0.9),
  );
  setOptional(
    role,
    'hispanic_ethnicity',
    optional(r, () => r.pick(['Y', 'N', 'N']), 0.8),
  );
  setOptional(
    role,
    'race',
    optional(r, () => r.pick(RACES), 0.7),
  );
  setOptional(
    role,
    'ell_status',
    optional(r, () => r.pick(['Y', 'N', 'N', 'N']), 0.7),
  );
  setOptional(
    role,
    'graduation_year',
    optional(r, () => String(2025 + 12 - n), 0.8),
  );
  role.credentials = { district_username: username };
  setOptional(role, 'location', location(r));
  role.ext = r.chance(0.5) ? { homeroom: `Room ${100 + r.int(200)}`, lunch_code: r.digits(4) } : {};
  role.legacy_id = r.hex(24);
  return role;
}

function teacherRole(r: Rng, index: number, schools: string[], username: string): TeacherRoleRecord {
  const role: TeacherRoleRecord = { sis_id: `T${10000 + index}`, school: schools[0]!, schools };
  setOptional(
    role,
    'teacher_number',
    optional(r, () => `TN${r.digits(5)}`, 0.7),
  );
  setOptional(
    role,
    'title',
    optional(r, () => r.pick(TEACHER_TITLES), 0.6),
  );
  setOptional(
    role,
    'state_id',
    optional(r, () => r.digits(8), 0.5),
  );
  role.credentials = { district_username: username };
  role.legacy_id = r.hex(24);
  role.ext = r.chance(0.3) ? { certification: r.pick(['K-6', '6-12', 'Bilingüe']) } : {};
  return role;
}

function staffRole(r: Rng, index: number, schools: string[], username: string): StaffRoleRecord {
  const role: StaffRoleRecord = { staff_id: `ST${10000 + index}`, schools };
  setOptional(
    role,
    'title',
    optional(r, () => r.pick(STAFF_TITLES), 0.7),
  );
  setOptional(
    role,
    'department',
    optional(r, () => r.pick(DEPARTMENTS), 0.5),
  );
  role.credentials = { district_username: username };
  role.legacy_id = r.hex(24);
  role.ext = {};
  return role;
}

export interface GenerateUserOptions {
  /** v3.1 (the default) adds that version's fields; v3.0 leaves them out, all else equal. */
  version?: ApiVersion;
  /** A second role the user also carries, in the primary school only (multiRoleShare). */
  secondRole?: SchoolRole;
}

const SECOND_ROLE_SALT = 7;

/**
 * One user, a pure function of (seed, district, index, options): the same call always returns an
 * equal object. `schoolIndices[0]` is the primary school.
 */
export function generateUser(
  ctx: GenerationContext,
  index: number,
  role: SchoolRole,
  schoolIndices: readonly number[],
  options: GenerateUserOptions = {},
): UserRecord {
  const r = new Rng(ctx.seedInt, ctx.districtSlot, SALT.user, index);
  const name = personName(r);
  const username = `${foldedName(name.first)}.${foldedName(name.last)}${index}`;
  const email = optional(r, () => `${username}@${role === 'student' ? 'students.' : ''}example.org`, 0.85);
  const user: UserRecord = {
    id: makeId(ctx.idPrefix, ctx.districtSlot, IdKind.user, index),
    district: ctx.districtId,
    name,
    ...timestamps(r),
    roles: {},
  };
  if (email !== undefined) user.email = email;
  const schools = schoolIndices.map((i) => ctx.schoolId(i));
  const primary = schoolIndices[0] ?? 0;
  addRole(ctx, user, r, index, role, schools, primary, username, email);
  if (options.secondRole !== undefined && options.secondRole !== role) {
    // Its own random stream: the first role's values stay as without it.
    const second = new Rng(ctx.seedInt, ctx.districtSlot, SALT.user, index, SECOND_ROLE_SALT);
    addRole(ctx, user, second, index, options.secondRole, schools.slice(0, 1), primary, username, email);
  }
  const v31 = (options.version ?? 'v3.1') === 'v3.1';
  if (v31) {
    addV31UserFields(user, ctx.seedInt, ctx.districtSlot, index);
    if (user.roles.student !== undefined)
      addV31StudentFields(user.roles.student, ctx.seedInt, ctx.districtSlot, index);
  }
  if (ctx.sendNulls) fillUserNulls(user, v31);
  return user;
}

function addRole(
  ctx: GenerationContext,
  user: UserRecord,
  r: Rng,
  index: number,
  role: SchoolRole,
  schools: string[],
  primary: number,
  username: string,
  email: string | undefined,
): void {
  if (role === 'student') {
    user.roles.student = studentRole(r, index, schools, schoolLevel(ctx, primary), username);
    // Real records repeat the email inside the role (not in Clever's spec).
    if (email !== undefined) user.roles.student.email = email;
  } else if (role === 'teacher') {
    user.roles.teacher = teacherRole(r, index, schools, username);
    if (email !== undefined) user.roles.teacher.email = email;
  } else {
    user.roles.staff = staffRole(r, index, schools, username);
  }
}
