/**
 * The rosters a school's database holds, each one stream: which Clever records it is filled from
 * and how a record becomes its row. Streams are fed by sources: a full pull reads each source's
 * pages once and hands every page to each of its streams; the incremental pass routes each event's
 * record to the streams it belongs to. Users come first (students and teachers share one listing),
 * then sections (with their member lists: the enrollments), then the courses and terms they use.
 */
import type {
  CleverCourse,
  CleverDistrictApi,
  CleverSection,
  CleverTerm,
  CleverUser,
} from '../../clever/api/index.js';
import type { LinkKind, RosterEntity, SectionMembers, UserEntity } from '../../domain/index.js';
import type { DistrictCatalog } from './class-catalog.js';
import { mapCourse, mapSection, mapTerm, membersOf } from './class-mapping.js';
import { mapStudent, mapTeacher, roleSchools } from './mapping.js';
import {
  type PreparedPage,
  personInvalidReasons,
  preparePage,
  type RowRules,
  recordInvalidReasons,
} from './validate.js';

/** A page prepared for one roster; a sections page also carries each valid section's members. */
export interface PreparedBatch<E extends RosterEntity = RosterEntity> extends PreparedPage<E> {
  links?: Record<LinkKind, SectionMembers[]>;
}

export interface RosterStream<T = unknown, E extends RosterEntity = RosterEntity> {
  entity: E;
  /** This roster's rows in a page of its source's records (validated, repeats collapsed). */
  prepare(records: readonly T[], cleverSchoolId: string): PreparedBatch<E>;
}

/** What a school's full pull carries from one source to the next. */
export interface PullContext {
  /** The district's courses and terms, read once for all its schools. */
  catalog: DistrictCatalog;
  /** Courses and terms the school's sections use, gathered while its sections are pulled. */
  referenced: Record<'courses' | 'terms', Set<string>>;
  /** The school's sections were pulled completely in this pull (so `referenced` is whole). */
  sectionsPulled: boolean;
}

export function newPullContext(catalog: DistrictCatalog): PullContext {
  return { catalog, referenced: { courses: new Set(), terms: new Set() }, sectionsPulled: false };
}

/** A section of the school names its course and term: the school keeps those. */
export function noteReferences(
  referenced: PullContext['referenced'],
  courseId: string | null | undefined,
  termId: string | null | undefined,
): void {
  if (courseId) referenced.courses.add(courseId);
  if (termId) referenced.terms.add(termId);
}

/** Where a full pull reads some of a school's rosters from. */
export interface RosterSource<T = unknown> {
  /** Sections, courses and terms need Clever's `read:sections` scope: a 403 means "not shared". */
  classRoster: boolean;
  /** The school's records, a page at a time. */
  read(
    api: CleverDistrictApi,
    cleverSchoolId: string,
    pageSize: number,
    context: PullContext,
  ): AsyncIterable<T[]>;
  streams: readonly RosterStream<T>[];
}

/** A user roster: the Clever role it holds, the user's row in it and what that row needs. */
export interface UserStream<E extends UserEntity = UserEntity> extends RowRules<CleverUser, E> {
  entity: E;
  role: 'student' | 'teacher';
}

const studentStream: UserStream<'students'> = {
  entity: 'students',
  role: 'student',
  rowOf: mapStudent,
  invalidReasons: personInvalidReasons,
};
const teacherStream: UserStream<'teachers'> = {
  entity: 'teachers',
  role: 'teacher',
  rowOf: mapTeacher,
  invalidReasons: personInvalidReasons,
};

export const USER_STREAMS: readonly UserStream[] = [studentStream, teacherStream];

export function userStream<E extends UserEntity>(entity: E): UserStream<E> {
  return (entity === 'students' ? studentStream : teacherStream) as unknown as UserStream<E>;
}

/**
 * The users of a school's mixed listing that belong to a role's roster of that school: those whose
 * role lists the school (a teacher here may be a student at another school).
 */
export function usersOf(
  role: UserStream['role'],
  users: readonly CleverUser[],
  cleverSchoolId: string,
): CleverUser[] {
  return users.filter((user) => {
    const held = user.roles?.[role];
    return held !== undefined && roleSchools(held).all.includes(cleverSchoolId);
  });
}

const students: RosterStream<CleverUser, 'students'> = {
  entity: 'students',
  prepare: (users, schoolId) =>
    preparePage<CleverUser, 'students'>(studentStream, usersOf('student', users, schoolId)),
};

const teachers: RosterStream<CleverUser, 'teachers'> = {
  entity: 'teachers',
  prepare: (users, schoolId) =>
    preparePage<CleverUser, 'teachers'>(teacherStream, usersOf('teacher', users, schoolId)),
};

/** A page of sections: rows, plus the teachers and students of every valid one. */
export function prepareSections(
  records: readonly CleverSection[],
  cleverSchoolId: string | null,
): PreparedBatch<'sections'> {
  // A section of another school has no place in this school's database.
  const own = cleverSchoolId === null ? records : records.filter((s) => s.school?.trim() === cleverSchoolId);
  const page = preparePage<CleverSection, 'sections'>(
    { rowOf: mapSection, invalidReasons: recordInvalidReasons },
    own,
  );
  const valid = new Set(page.rows.map((row) => row.cleverId));
  const bySection = new Map<string, CleverSection>();
  for (const section of own) {
    const id = section.id.trim();
    if (valid.has(id)) bySection.set(id, section);
  }
  const members = (kind: LinkKind) => [...bySection.values()].map((section) => membersOf(section, kind));
  return { ...page, links: { teachers: members('teachers'), students: members('students') } };
}

const sections: RosterStream<CleverSection, 'sections'> = {
  entity: 'sections',
  prepare: (records, schoolId) => prepareSections(records, schoolId),
};

const courses: RosterStream<CleverCourse, 'courses'> = {
  entity: 'courses',
  prepare: (records) =>
    preparePage<CleverCourse, 'courses'>({ rowOf: mapCourse, invalidReasons: recordInvalidReasons }, records),
};

const terms: RosterStream<CleverTerm, 'terms'> = {
  entity: 'terms',
  prepare: (records) =>
    preparePage<CleverTerm, 'terms'>({ rowOf: mapTerm, invalidReasons: recordInvalidReasons }, records),
};

/**
 * `/schools/{id}/users` without a role: students and teachers of the school in one listing, so a
 * full pull spends one request per page of the school's users, not one per page of each role.
 */
const schoolUsers: RosterSource<CleverUser> = {
  classRoster: false,
  read: (api, schoolId, pageSize) => api.getSchoolUsers(schoolId, { pageSize }),
  streams: [students, teachers],
};

const schoolSections: RosterSource<CleverSection> = {
  classRoster: true,
  read: (api, schoolId, pageSize) => api.getSchoolSections(schoolId, { pageSize }),
  streams: [sections],
};

/**
 * The courses (or terms) the school's sections use, from the district's catalogue; when this pull
 * did not read the school's sections (SYNC_ENTITIES without sections), the school's own listing.
 */
async function* usedBySections<T extends { id: string }>(
  context: PullContext,
  kind: 'courses' | 'terms',
  catalogue: () => Promise<Map<string, T>>,
  pageSize: number,
): AsyncGenerator<T[]> {
  const records = pickFrom(await catalogue(), context.referenced[kind]);
  for (let start = 0; start < records.length; start += pageSize) yield records.slice(start, start + pageSize);
}

/** The catalogue's records of these ids, in id order; a section naming one Clever no longer lists: skipped. */
function pickFrom<T>(catalogue: Map<string, T>, ids: Iterable<string>): T[] {
  const records: T[] = [];
  for (const id of [...ids].sort()) {
    const record = catalogue.get(id);
    if (record !== undefined) records.push(record);
  }
  return records;
}

/**
 * Courses or terms of the district's catalogue, prepared as the full pull prepares them: the
 * incremental pass fills in those that new sections of a school name and its database lacks.
 */
export async function catalogueBatch(
  catalog: DistrictCatalog,
  kind: 'courses' | 'terms',
  ids: Iterable<string>,
  cleverSchoolId: string,
): Promise<PreparedBatch> {
  return kind === 'courses'
    ? courses.prepare(pickFrom(await catalog.courses(), ids), cleverSchoolId)
    : terms.prepare(pickFrom(await catalog.terms(), ids), cleverSchoolId);
}

const schoolCourses: RosterSource<CleverCourse> = {
  classRoster: true,
  read: (api, schoolId, pageSize, context) =>
    context.sectionsPulled
      ? usedBySections(context, 'courses', () => context.catalog.courses(), pageSize)
      : api.getSchoolCourses(schoolId, { pageSize }),
  streams: [courses],
};

const schoolTerms: RosterSource<CleverTerm> = {
  classRoster: true,
  read: (api, schoolId, pageSize, context) =>
    context.sectionsPulled
      ? usedBySections(context, 'terms', () => context.catalog.terms(), pageSize)
      : api.getSchoolTerms(schoolId, { pageSize }),
  streams: [terms],
};

export const ROSTER_SOURCES: readonly RosterSource[] = [
  schoolUsers,
  schoolSections,
  schoolCourses,
  schoolTerms,
] as readonly RosterSource[];
