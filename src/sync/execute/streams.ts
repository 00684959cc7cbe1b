/**
 * The rosters a school's database holds, each one stream: which role of a Clever user it is and how
 * a user becomes its row. Streams are fed by sources: a full pull reads each source's pages once
 * and hands every page to each of its streams; the incremental pass routes each event's user to the
 * streams whose role it has. A new roster (sections, enrollments) is one more source and stream.
 */
import type { CleverDistrictApi, CleverUser } from '../../clever/api/index.js';
import type { RosterEntity, RosterRow } from '../../domain/index.js';
import { mapStudent, mapTeacher, roleSchools } from './mapping.js';

export interface RosterStream<E extends RosterEntity = RosterEntity> {
  entity: E;
  /** The Clever role this roster holds. */
  role: 'student' | 'teacher';
  /** The user's row in this roster; null when the user has no such role. */
  rowOf(user: CleverUser): RosterRow<E> | null;
}

/** Where a full pull reads some of a school's rosters from. */
export interface RosterSource {
  /** The school's records, a page at a time. */
  read(api: CleverDistrictApi, cleverSchoolId: string, pageSize: number): AsyncIterable<CleverUser[]>;
  /** The rosters filled from these records (each takes the users with its role). */
  streams: readonly RosterStream[];
}

const students: RosterStream<'students'> = { entity: 'students', role: 'student', rowOf: mapStudent };
const teachers: RosterStream<'teachers'> = { entity: 'teachers', role: 'teacher', rowOf: mapTeacher };

/**
 * `/schools/{id}/users` without a role: students and teachers of the school in one listing, so a
 * full pull spends one request per page of the school's users, not one per page of each role.
 */
const schoolUsers: RosterSource = {
  read: (api, schoolId, pageSize) => api.getSchoolUsers(schoolId, { pageSize }),
  streams: [students, teachers],
};

export const ROSTER_SOURCES: readonly RosterSource[] = [schoolUsers];

export const ROSTER_STREAMS: readonly RosterStream[] = ROSTER_SOURCES.flatMap((source) => source.streams);

export const ROSTER_ENTITIES: readonly RosterEntity[] = ROSTER_STREAMS.map((stream) => stream.entity);

export function streamOf<E extends RosterEntity>(entity: E): RosterStream<E> {
  const stream = ROSTER_STREAMS.find((candidate) => candidate.entity === entity);
  if (!stream) throw new Error(`no roster stream for ${entity}`);
  return stream as unknown as RosterStream<E>;
}

/**
 * The users of a school's mixed listing that belong to a stream's roster of that school: those
 * whose role of the stream lists the school (a teacher here may be a student at another school).
 */
export function usersOf(
  stream: RosterStream,
  users: readonly CleverUser[],
  cleverSchoolId: string,
): CleverUser[] {
  return users.filter((user) => {
    const role = user.roles?.[stream.role];
    return role !== undefined && roleSchools(role).all.includes(cleverSchoolId);
  });
}
