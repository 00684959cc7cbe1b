/**
 * Clever events -> per-school roster operations. Events arrive district-wide, oldest first; each
 * carries the full record after the change (and, for updates, the old values of what changed).
 * A page of events is folded into, per school and entity, the final state of each user touched:
 * upsert (the user belongs to the school now) or archive (deleted, unshared, moved away, role
 * removed). Applying that fold is idempotent, so a page can be re-applied after a crash.
 */
import { parseUser } from '../clever/api/parse.js';
import type { CleverEvent, CleverUser } from '../clever/api/types.js';
import type { RosterEntity, RosterRow } from '../domain/index.js';
import { roleSchools } from './mapping.js';
import { type InvalidRecord, invalidReasons, mapUser } from './validate.js';

/**
 * Stored as a school's cursor when a full sync found no events at all: "before the first event".
 * Never sent to Clever (an unknown `starting_after` id is rejected); it reads from the start.
 */
export const EVENTS_START = '000000000000000000000000';

/** Orders Clever event ids (24-hex ObjectIds, ascending with time); shorter ids sort first. */
export function compareEventIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The `starting_after` to send for a cursor (undefined = from the oldest retained event). */
export function startingAfter(cursor: string): string | undefined {
  return cursor === EVENTS_START ? undefined : cursor;
}

/** The oldest of several cursors: where one district-wide read must start. */
export function oldestCursor(cursors: readonly string[]): string | undefined {
  let oldest: string | undefined;
  for (const cursor of cursors)
    if (oldest === undefined || compareEventIds(cursor, oldest) < 0) oldest = cursor;
  return oldest;
}

const ROLE_OF: Record<RosterEntity, 'student' | 'teacher'> = { students: 'student', teachers: 'teacher' };
export const ROSTER_ENTITIES: readonly RosterEntity[] = ['students', 'teachers'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event's record as a CleverUser (parsed as tolerantly as list responses), or null. */
export function eventUser(event: CleverEvent): CleverUser | null {
  try {
    return parseUser(event.object);
  } catch {
    return null;
  }
}

/** School ids a role listed before an update, from `previous_attributes.roles.<role>`. */
function previousSchools(event: CleverEvent, role: 'student' | 'teacher'): string[] {
  const previous = event.previousAttributes;
  if (!isRecord(previous) || !isRecord(previous.roles)) return [];
  const old = previous.roles[role];
  if (!isRecord(old)) return [];
  const schools = Array.isArray(old.schools)
    ? old.schools.filter((s): s is string => typeof s === 'string')
    : [];
  return roleSchools({ school: typeof old.school === 'string' ? old.school : undefined, schools }).all;
}

export type RosterOp<E extends RosterEntity> = { kind: 'upsert'; row: RosterRow<E> } | { kind: 'archive' };

export interface SchoolOps {
  /** Per entity, per Clever user id: the final operation of this page. */
  students: Map<string, RosterOp<'students'>>;
  teachers: Map<string, RosterOp<'teachers'>>;
  invalid: { students: InvalidRecord[]; teachers: InvalidRecord[] };
  /** Events that touched this school (for counts). */
  events: number;
}

export interface FoldResult {
  /** Keyed by Clever school id. */
  bySchool: Map<string, SchoolOps>;
  /** User events whose record could not be read. */
  unreadable: number;
  /** Events of other record types (schools, sections...), ignored by roster sync. */
  ignored: number;
}

/**
 * Folds a page of events for the schools in `cursors` (Clever school id -> that school's cursor).
 * An event at or before a school's cursor is already reflected in its database and is skipped for
 * that school only.
 */
export function foldEvents(events: readonly CleverEvent[], cursors: ReadonlyMap<string, string>): FoldResult {
  const bySchool = new Map<string, SchoolOps>();
  let unreadable = 0;
  let ignored = 0;
  const opsFor = (schoolId: string, eventId: string): SchoolOps | null => {
    const cursor = cursors.get(schoolId);
    if (cursor === undefined || compareEventIds(eventId, cursor) <= 0) return null;
    let ops = bySchool.get(schoolId);
    if (!ops) {
      ops = { students: new Map(), teachers: new Map(), invalid: { students: [], teachers: [] }, events: 0 };
      bySchool.set(schoolId, ops);
    }
    return ops;
  };

  for (const event of events) {
    const [recordType, action] = event.type.split('.');
    if (recordType !== 'users' || !['created', 'updated', 'deleted'].includes(action ?? '')) {
      ignored += 1;
      continue;
    }
    const user = eventUser(event);
    if (!user) {
      unreadable += 1;
      continue;
    }
    const touched = new Set<SchoolOps>();
    for (const entity of ROSTER_ENTITIES) {
      const role = user.roles[ROLE_OF[entity]];
      const current = action === 'deleted' || !role ? [] : roleSchools(role).all;
      const before = [
        ...previousSchools(event, ROLE_OF[entity]),
        ...(action === 'deleted' && role ? roleSchools(role).all : []),
      ];
      const row = current.length > 0 ? mapUser(entity, user) : null;
      const reasons = row ? invalidReasons(row) : [];

      for (const schoolId of current) {
        const ops = opsFor(schoolId, event.id);
        if (!ops) continue;
        touched.add(ops);
        if (row && reasons.length === 0) {
          (ops[entity] as Map<string, RosterOp<typeof entity>>).set(user.id, {
            kind: 'upsert',
            row,
          } as RosterOp<typeof entity>);
        } else {
          ops.invalid[entity].push({ cleverId: user.id, reasons });
        }
      }
      for (const schoolId of before) {
        if (current.includes(schoolId)) continue;
        const ops = opsFor(schoolId, event.id);
        if (!ops) continue;
        touched.add(ops);
        ops[entity].set(user.id, { kind: 'archive' });
      }
    }
    for (const ops of touched) ops.events += 1;
  }
  return { bySchool, unreadable, ignored };
}
