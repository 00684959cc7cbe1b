/**
 * The one source of truth for clever-sync's database models.
 *
 * Prisma allows one provider per schema, and clever-sync supports three (SQL Server, PostgreSQL,
 * SQLite) for two databases (SessionDb, per-school). `npm run db:derive` (scripts/prisma-derive.ts)
 * writes the six `prisma/<database>/<provider>/schema.prisma` files and each provider's initial
 * migration from this description; never edit those by hand. Later migrations are written by hand
 * (docs/database.md) and test/db/schema-matches-models.test.ts proves every provider's migrated
 * schema still equals these models.
 *
 * Field names are the Prisma (TypeScript) names; columns and tables are their snake_case form.
 */

export type ScalarType = 'Int' | 'String' | 'Boolean' | 'DateTime';

/**
 * How long a String may be. `key`: Clever ids, run ids, cursors (indexable everywhere, including
 * SQL Server's 900-byte index key limit). `short`: enum-like values. `text`: anything Clever sends
 * (Clever strings have no length limit). A number: an explicit maximum.
 */
export type StringSize = 'key' | 'short' | 'text' | number;

export interface FieldDef {
  name: string;
  type: ScalarType;
  optional?: boolean;
  /** Strings only; defaults to `text`. */
  size?: StringSize;
  id?: boolean;
  unique?: boolean;
  default?: 'autoincrement' | 'now' | boolean | number;
  /** Set by Prisma Client on every update (no database default). */
  updatedAt?: boolean;
}

export interface RelationDef {
  /** Relation field on this model, e.g. `district`. */
  name: string;
  model: string;
  fields: string[];
  references: string[];
  /** List field on the referenced model, e.g. `schools`. */
  backName: string;
}

export interface ModelDef {
  name: string;
  fields: FieldDef[];
  relations?: RelationDef[];
  /** Non-unique indexes, each a list of field names. */
  indexes?: string[][];
  /**
   * A composite primary key (Prisma `@@id`), in key order, for models without an `id` field:
   * the section link tables, keyed by (section, member).
   */
  primaryKey?: string[];
}

export interface DatabaseDef {
  name: 'session' | 'school';
  models: ModelDef[];
}

export const PROVIDERS = ['sqlserver', 'postgresql', 'sqlite'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

const int = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, type: 'Int', ...extra });
const str = (name: string, size: StringSize = 'text', extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type: 'String',
  size,
  ...extra,
});
const optStr = (name: string, size: StringSize = 'text'): FieldDef => str(name, size, { optional: true });
const bool = (name: string, defaultValue: boolean): FieldDef => ({
  name,
  type: 'Boolean',
  default: defaultValue,
});
const date = (name: string, optional = true): FieldDef => ({ name, type: 'DateTime', optional });
const serialId = int('id', { id: true, default: 'autoincrement' });
const timestamps: FieldDef[] = [
  { name: 'createdAt', type: 'DateTime', default: 'now' },
  { name: 'updatedAt', type: 'DateTime', updatedAt: true },
];
const countFields = ['processed', 'created', 'updated', 'archived', 'restored', 'failed', 'invalid'].map(
  (count) => int(`${count}Count`, { default: 0 }),
);

const District: ModelDef = {
  name: 'District',
  fields: [
    serialId,
    str('cleverDistrictId', 'key', { unique: true }),
    str('name'),
    optStr('cleverState', 'short'),
    date('cleverLastSync'),
    optStr('eventsCursor', 'key'),
    date('eventsCursorTakenAt'),
    bool('isActive', true),
    ...timestamps,
  ],
  indexes: [['isActive']],
};

const School: ModelDef = {
  name: 'School',
  fields: [
    serialId,
    int('districtId'),
    str('cleverSchoolId', 'key', { unique: true }),
    str('name'),
    optStr('schoolNumber'),
    optStr('sisId'),
    optStr('stateId'),
    optStr('ncesId'),
    optStr('lowGrade', 'short'),
    optStr('highGrade', 'short'),
    optStr('phone'),
    optStr('principalName'),
    optStr('principalEmail'),
    optStr('locationJson'),
    date('cleverLastModified'),
    // Key Vault secret names are at most 127 characters.
    optStr('connectionSecretName', 127),
    optStr('databaseName', 128),
    optStr('eventsCursor', 'key'),
    bool('requiresFullSync', true),
    bool('isActive', true),
    date('archivedAt'),
    int('consecutiveFailures', { default: 0 }),
    date('lastSuccessfulSyncAt'),
    ...timestamps,
  ],
  relations: [
    { name: 'district', model: 'District', fields: ['districtId'], references: ['id'], backName: 'schools' },
  ],
  indexes: [['districtId'], ['isActive']],
};

const SyncRun: ModelDef = {
  name: 'SyncRun',
  fields: [
    str('runId', 'key', { id: true }),
    str('scope', 'short'),
    int('scopeId', { optional: true }),
    str('trigger', 'short'),
    bool('full', false),
    bool('dryRun', false),
    str('status', 'short'),
    date('startedAt', false),
    date('completedAt'),
    int('schoolsTotal', { default: 0 }),
    int('schoolsCompleted', { default: 0 }),
    int('schoolsFailed', { default: 0 }),
    ...countFields,
    optStr('summaryJson'),
    optStr('errorSummary'),
    ...timestamps,
  ],
  indexes: [['startedAt'], ['status', 'startedAt']],
};

// No foreign keys to districts/schools: history must outlive (and never block) school clean-up,
// and SQL Server rejects the multiple cascade paths the extra relations would create.
const SyncHistory: ModelDef = {
  name: 'SyncHistory',
  fields: [
    serialId,
    str('runId', 'key'),
    int('districtId', { optional: true }),
    int('schoolId', { optional: true }),
    str('entity', 'short'),
    str('syncType', 'short'),
    str('status', 'short'),
    str('trigger', 'short'),
    date('startedAt', false),
    date('completedAt'),
    ...countFields,
    date('lastSyncTimestamp'),
    optStr('eventCursor', 'key'),
    optStr('errorSummary'),
    optStr('warningsJson'),
    ...timestamps,
  ],
  indexes: [['runId'], ['schoolId', 'entity', 'startedAt'], ['status', 'startedAt']],
};

/** Cross-process mutual exclusion (SessionRepository.leases). */
const Lease: ModelDef = {
  name: 'Lease',
  fields: [
    str('key', 200, { id: true }),
    str('holder', 200),
    date('expiresAt', false),
    date('acquiredAt', false),
    ...timestamps,
  ],
};

/** Columns students and teachers share (src/db/types.ts RosterRowBase plus bookkeeping). */
const rosterCommon: FieldDef[] = [
  str('cleverId', 'key', { unique: true }),
  str('cleverDistrictId', 'key'),
  str('cleverSchoolId', 'key'),
  str('schoolIdsJson'),
  str('firstName'),
  optStr('middleName'),
  str('lastName'),
  optStr('email'),
  optStr('sisId'),
  optStr('stateId'),
  optStr('districtUsername'),
  optStr('legacyId'),
  optStr('extJson'),
  date('cleverCreated'),
  date('cleverLastModified'),
];

/** Bookkeeping written by the bulk upsert (src/db/school/*). */
const rosterTracking: FieldDef[] = [
  // sha256 hex of the mapped row: "updated" means the data really changed.
  str('contentHash', 64),
  bool('isActive', true),
  date('deactivatedAt'),
  optStr('firstSeenRunId', 'key'),
  optStr('lastSeenRunId', 'key'),
  ...timestamps,
];

// Both indexes lead with isActive: every roster query filters on it (archive unseen, count
// active, purge inactive).
const rosterIndexes = [
  ['isActive', 'lastSeenRunId'],
  ['isActive', 'deactivatedAt'],
];

const Student: ModelDef = {
  name: 'Student',
  fields: [
    serialId,
    ...rosterCommon,
    // roles.student.preferred_name (Data API v3.1).
    optStr('preferredFirstName'),
    optStr('preferredMiddleName'),
    optStr('preferredLastName'),
    optStr('studentNumber'),
    optStr('grade', 'short'),
    // ISO date (YYYY-MM-DD) kept as text: a birth date has no time zone.
    optStr('dob', 10),
    optStr('gender', 'short'),
    optStr('hispanicEthnicity', 'short'),
    optStr('race'),
    optStr('ellStatus', 'short'),
    optStr('iepStatus', 'short'),
    optStr('frlStatus', 'short'),
    // Data API v3.1 statuses (Y/N/"") and roles.student.disability.
    optStr('giftedStatus', 'short'),
    optStr('section504Status', 'short'),
    optStr('disabilityStatus', 'short'),
    optStr('disabilityCode', 'short'),
    optStr('disabilityType'),
    optStr('homeLanguage'),
    // ISO 639-3 code beside home_language (Data API v3.1).
    optStr('homeLanguageCode', 'short'),
    optStr('graduationYear', 'short'),
    optStr('locationJson'),
    optStr('enrollmentsJson'),
    ...rosterTracking,
  ],
  indexes: rosterIndexes,
};

const Teacher: ModelDef = {
  name: 'Teacher',
  fields: [serialId, ...rosterCommon, optStr('teacherNumber'), optStr('title'), ...rosterTracking],
  indexes: rosterIndexes,
};

// ---------- class rosters (issue 17) ----------
// Ids of other Clever records are Clever ids without foreign keys: Clever may share a section
// whose course, term or teacher is not (yet) in this school's database.

const Section: ModelDef = {
  name: 'Section',
  fields: [
    serialId,
    str('cleverId', 'key', { unique: true }),
    str('cleverDistrictId', 'key'),
    str('cleverSchoolId', 'key'),
    str('name'),
    optStr('subject'),
    // Free text in Clever (no length limit), and none of them is indexed.
    optStr('grade'),
    optStr('period'),
    optStr('sectionNumber'),
    optStr('cleverCourseId', 'key'),
    optStr('cleverTermId', 'key'),
    optStr('primaryTeacherCleverId', 'key'),
    optStr('sisId'),
    optStr('lmsStatusJson'),
    optStr('extJson'),
    date('cleverCreated'),
    date('cleverLastModified'),
    ...rosterTracking,
  ],
  indexes: [...rosterIndexes, ['cleverCourseId'], ['cleverTermId'], ['primaryTeacherCleverId']],
};

const Course: ModelDef = {
  name: 'Course',
  fields: [
    serialId,
    str('cleverId', 'key', { unique: true }),
    str('cleverDistrictId', 'key'),
    str('name'),
    optStr('number'),
    ...rosterTracking,
  ],
  indexes: rosterIndexes,
};

const Term: ModelDef = {
  name: 'Term',
  fields: [
    serialId,
    str('cleverId', 'key', { unique: true }),
    str('cleverDistrictId', 'key'),
    str('name'),
    // ISO dates (YYYY-MM-DD) kept as text, as students' dob.
    optStr('startDate', 10),
    optStr('endDate', 10),
    ...rosterTracking,
  ],
  indexes: rosterIndexes,
};

/**
 * Section links, one row per (section, member): the primary key serves "members of a section",
 * the member index "sections of a member". Replaced set-wise, so a link's created_at is when it
 * first appeared.
 */
function sectionLink(name: string, memberField: string): ModelDef {
  return {
    name,
    fields: [
      str('sectionCleverId', 'key'),
      str(memberField, 'key'),
      { name: 'createdAt', type: 'DateTime', default: 'now' },
    ],
    primaryKey: ['sectionCleverId', memberField],
    indexes: [[memberField]],
  };
}
const SectionTeacher = sectionLink('SectionTeacher', 'teacherCleverId');
const SectionStudent = sectionLink('SectionStudent', 'studentCleverId');

export const SESSION_DATABASE: DatabaseDef = {
  name: 'session',
  models: [District, School, SyncRun, SyncHistory, Lease],
};
export const SCHOOL_DATABASE: DatabaseDef = {
  name: 'school',
  models: [Student, Teacher, Section, Course, Term, SectionTeacher, SectionStudent],
};
export const DATABASES: DatabaseDef[] = [SESSION_DATABASE, SCHOOL_DATABASE];

/** `cleverDistrictId` -> `clever_district_id`. */
export function columnName(fieldName: string): string {
  return fieldName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Table names: `District` -> `districts`, `SyncHistory` -> `sync_history`. */
export function tableName(model: ModelDef): string {
  const explicit: Record<string, string> = {
    SyncHistory: 'sync_history',
    // Spelled out: the link tables are named after what they hold, not by pluralizing a model.
    SectionTeacher: 'section_teachers',
    SectionStudent: 'section_students',
  };
  return explicit[model.name] ?? `${columnName(model.name).replace(/^_/, '')}s`;
}
