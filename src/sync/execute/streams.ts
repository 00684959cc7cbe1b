/**
 * The rosters a school's database holds, each one stream: where its records come from in a full
 * pull, which role of a Clever user it is, and how a user becomes its row. The full pull reads
 * each stream's pages; the incremental pass routes each event's user to the streams whose role it
 * has. A new roster (sections, enrollments) is one more stream here.
 */
import type { CleverDistrictApi, CleverUser } from '../../clever/api/index.js';
import type { RosterEntity, RosterRow } from '../../domain/index.js';
import { mapStudent, mapTeacher } from './mapping.js';

export interface RosterStream<E extends RosterEntity = RosterEntity> {
  entity: E;
  /** The Clever role this roster holds. */
  role: 'student' | 'teacher';
  /** The school's records of this roster, a page at a time (full pull). */
  read(api: CleverDistrictApi, cleverSchoolId: string, pageSize: number): AsyncIterable<CleverUser[]>;
  /** The user's row in this roster; null when the user has no such role. */
  rowOf(user: CleverUser): RosterRow<E> | null;
}

const students: RosterStream<'students'> = {
  entity: 'students',
  role: 'student',
  read: (api, schoolId, pageSize) => api.getStudents(schoolId, undefined, { pageSize }),
  rowOf: mapStudent,
};

const teachers: RosterStream<'teachers'> = {
  entity: 'teachers',
  role: 'teacher',
  read: (api, schoolId, pageSize) => api.getTeachers(schoolId, undefined, { pageSize }),
  rowOf: mapTeacher,
};

export const ROSTER_STREAMS: readonly RosterStream[] = [students, teachers];

export const ROSTER_ENTITIES: readonly RosterEntity[] = ROSTER_STREAMS.map((stream) => stream.entity);

export function streamOf<E extends RosterEntity>(entity: E): RosterStream<E> {
  const stream = ROSTER_STREAMS.find((candidate) => candidate.entity === entity);
  if (!stream) throw new Error(`no roster stream for ${entity}`);
  return stream as unknown as RosterStream<E>;
}
