/**
 * Clever events -> per-school roster operations. Events arrive district-wide, oldest first; each
 * carries the full record after the change (and, for updates, the old values of what changed).
 * A page of events is folded into, per school and entity, the final state of each user touched:
 * upsert (the user belongs to the school now) or archive (deleted, unshared, moved away, role
 * removed). Applying that fold is idempotent, so a page can be re-applied after a crash.
 */
import { type CleverEvent, type CleverUser, parseUser } from '../../clever/api/index.js';
import type { RosterEntity, RosterRow } from '../../domain/index.js';
import { compareEventIds } from '../plan/events-cursor.js';
import { roleSchools } from './mapping.js';
import { ROSTER_STREAMS } from './streams.js';
import { type InvalidRecord, invalidReasons } from './validate.js';

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

export type RosterOp<E extends RosterEntity = RosterEntity> =
  | { kind: 'upsert'; row: RosterRow<E> }
  | { kind: 'archive' };

/** One roster of one school in a page of events: the final operation per Clever user id. */
export interface EntityOps {
  ops: Map<string, RosterOp>;
  invalid: InvalidRecord[];
}

export interface SchoolOps {
  /** Per roster entity, the users this page touched. */
  entities: Map<RosterEntity, EntityOps>;
  /** Events that touched this school (for counts). */
  events: number;
}

export interface FoldResult {
  /** Keyed by Clever school id. */
  bySchool: Map<string, SchoolOps>;
  /** User events whose record could not be read. */
  unreadable: number;
  /** Events of other record types (districts, schools, sections...), not roster changes of users. */
  ignored: number;
}

function entityOps(school: SchoolOps, entity: RosterEntity): EntityOps {
  let ops = school.entities.get(entity);
  if (!ops) {
    ops = { ops: new Map(), invalid: [] };
    school.entities.set(entity, ops);
  }
  return ops;
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
      ops = { entities: new Map(), events: 0 };
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
    for (const stream of ROSTER_STREAMS) {
      const role = user.roles[stream.role];
      const current = action === 'deleted' || !role ? [] : roleSchools(role).all;
      const before = [
        ...previousSchools(event, stream.role),
        ...(action === 'deleted' && role ? roleSchools(role).all : []),
      ];
      const row = current.length > 0 ? stream.rowOf(user) : null;
      const reasons = row ? invalidReasons(row) : [];

      for (const schoolId of current) {
        const school = opsFor(schoolId, event.id);
        if (!school) continue;
        touched.add(school);
        const ops = entityOps(school, stream.entity);
        if (row && reasons.length === 0) ops.ops.set(user.id, { kind: 'upsert', row });
        else ops.invalid.push({ cleverId: user.id, reasons });
      }
      for (const schoolId of before) {
        if (current.includes(schoolId)) continue;
        const school = opsFor(schoolId, event.id);
        if (!school) continue;
        touched.add(school);
        entityOps(school, stream.entity).ops.set(user.id, { kind: 'archive' });
      }
    }
    for (const school of touched) school.events += 1;
  }
  return { bySchool, unreadable, ignored };
}
