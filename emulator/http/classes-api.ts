import { arraySource } from '../data/sorted.js';
import type { UserRecord } from '../types.js';
import type { DataRequest } from './data-api.js';
import { listResponse } from './paging.js';
import { type ApiResponse, errorJson, json } from './respond.js';

type Handler = (request: DataRequest) => ApiResponse;

function single(uri: string, record: unknown): ApiResponse {
  return json(200, { data: record, links: [{ rel: 'self', uri }] });
}

function notFound(what: string, id: string | undefined): ApiResponse {
  return errorJson(404, id === undefined ? `${what} not found` : `${what} ${id} not found`);
}

/** Without `read:sections` Clever refuses sections, courses and terms alike. */
function scoped(handler: Handler): Handler {
  return (r) =>
    r.world.options.sectionsScope
      ? handler(r)
      : errorJson(403, 'this application is not authorized to read sections (read:sections)');
}

function ofSharedSchool(handler: (r: DataRequest, schoolId: string) => ApiResponse): Handler {
  return (r) =>
    r.id !== undefined && r.district.school(r.id) !== undefined ? handler(r, r.id) : notFound('school', r.id);
}

/** Members of a section as users (`role=student|teacher`, or both), ascending id, visible ones only. */
function sectionUsers(r: DataRequest): ApiResponse {
  const section = r.id === undefined ? undefined : r.district.classes.section(r.id);
  if (section === undefined) return notFound('section', r.id);
  const role = r.query.get('role') || undefined;
  if (role !== undefined && role !== 'student' && role !== 'teacher')
    return errorJson(400, 'role must be one of student, teacher');
  const ids = new Set<string>([
    ...(role === 'teacher' ? [] : section.students),
    ...(role === 'student' ? [] : section.teachers),
  ]);
  const users = [...ids]
    .sort()
    .map((id) => r.district.user(id, undefined, r.version))
    .filter((u): u is UserRecord => u !== undefined);
  return listResponse(r, arraySource(users), (u) => `${r.versionPrefix}/users/${u.id}`);
}

/** Section, course and term routes (all behind the read:sections scope). */
export const CLASS_ROUTES: Record<string, Handler> = Object.fromEntries(
  Object.entries({
    '/schools/{id}/sections': ofSharedSchool((r, schoolId) =>
      listResponse(
        r,
        r.district.classes.sectionSource(schoolId, r.version),
        (s) => `${r.versionPrefix}/sections/${s.id}`,
      ),
    ),
    '/schools/{id}/courses': ofSharedSchool((r, schoolId) =>
      listResponse(
        r,
        r.district.classes.coursesOfSchool(schoolId),
        (c) => `${r.versionPrefix}/courses/${c.id}`,
      ),
    ),
    '/schools/{id}/terms': ofSharedSchool((r, schoolId) =>
      listResponse(r, r.district.classes.termsOfSchool(schoolId), (t) => `${r.versionPrefix}/terms/${t.id}`),
    ),
    '/sections': (r: DataRequest) =>
      listResponse(
        r,
        r.district.classes.sectionSource(undefined, r.version),
        (s) => `${r.versionPrefix}/sections/${s.id}`,
      ),
    '/sections/{id}': (r: DataRequest) => {
      const section = r.id === undefined ? undefined : r.district.classes.section(r.id, r.version);
      return section === undefined
        ? notFound('section', r.id)
        : single(`${r.versionPrefix}/sections/${section.id}`, section);
    },
    '/sections/{id}/users': sectionUsers,
    '/courses': (r: DataRequest) =>
      listResponse(r, r.district.classes.courseSource(), (c) => `${r.versionPrefix}/courses/${c.id}`),
    '/courses/{id}': (r: DataRequest) => {
      const course = r.id === undefined ? undefined : r.district.classes.course(r.id);
      return course === undefined
        ? notFound('course', r.id)
        : single(`${r.versionPrefix}/courses/${course.id}`, course);
    },
    '/terms': (r: DataRequest) =>
      listResponse(r, r.district.classes.termSource(), (t) => `${r.versionPrefix}/terms/${t.id}`),
    '/terms/{id}': (r: DataRequest) => {
      const term = r.id === undefined ? undefined : r.district.classes.term(r.id);
      return term === undefined
        ? notFound('term', r.id)
        : single(`${r.versionPrefix}/terms/${term.id}`, term);
    },
  } satisfies Record<string, Handler>).map(([route, handler]) => [route, scoped(handler)]),
);
