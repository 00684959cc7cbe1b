/**
 * Clever events -> per-school roster operations. Events arrive district-wide, oldest first; each
 * carries the full record after the change (and, for updates, the old values of what changed).
 * A page of events is folded into, per school and entity, the final state of each record touched:
 * - users: upsert (the user belongs to the school now) or archive (deleted, unshared, moved away,
 *   role removed);
 * - sections: upsert with the section's complete member lists (the links are replaced), or archive
 *   (deleted, or moved to another school: `previous_attributes.school`);
 * - courses and terms name no school: every school of the pass refreshes its copy if it has one
 *   (`refresh`) or archives it (`archive`); schools that lack a course a new section uses fetch it
 *   when the pass ends, from the district's catalogue (class-catalog.ts).
 * Applying that fold is idempotent, so a page can be re-applied after a crash.
 */
import {
  type CleverEvent,
  type CleverUser,
  parseCourse,
  parseSection,
  parseTerm,
  parseUser,
} from '../../clever/api/index.js';
import type { LinkKind, RosterEntity, RosterRow, SectionMembers } from '../../domain/index.js';
import { compareEventIds } from '../plan/events-cursor.js';
import { mapCourse, mapTerm } from './class-mapping.js';
import { roleSchools } from './mapping.js';
import { prepareSections, USER_STREAMS } from './streams.js';
import { type InvalidRecord, personInvalidReasons, recordInvalidReasons } from './validate.js';

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
  | { kind: 'upsert'; row: RosterRow<E>; links?: Record<LinkKind, SectionMembers> }
  /** Courses and terms: update the school's copy only if it has one. */
  | { kind: 'refresh'; row: RosterRow<E> }
  | { kind: 'archive' };

/** One roster of one school in a page of events: the final operation per Clever id. */
export interface EntityOps {
  ops: Map<string, RosterOp>;
  invalid: InvalidRecord[];
}

export interface SchoolOps {
  /** Per roster entity, the records this page touched. */
  entities: Map<RosterEntity, EntityOps>;
  /** Events that touched this school (for counts). */
  events: number;
}

export interface FoldResult {
  /** Keyed by Clever school id. */
  bySchool: Map<string, SchoolOps>;
  /** Events whose record could not be read. */
  unreadable: number;
  /** Events of other record types (districts, schools, resources) or of entities not synced. */
  ignored: number;
}

/** The Clever record types whose events change these rosters (the `record_type=` filter). */
export function eventRecordTypes(
  entities: readonly RosterEntity[],
): ('users' | 'sections' | 'courses' | 'terms')[] {
  const types: ('users' | 'sections' | 'courses' | 'terms')[] = [];
  if (entities.includes('students') || entities.includes('teachers')) types.push('users');
  for (const type of ['sections', 'courses', 'terms'] as const) if (entities.includes(type)) types.push(type);
  return types;
}

function entityOps(school: SchoolOps, entity: RosterEntity): EntityOps {
  let ops = school.entities.get(entity);
  if (!ops) {
    ops = { ops: new Map(), invalid: [] };
    school.entities.set(entity, ops);
  }
  return ops;
}

type OpsFor = (schoolId: string, eventId: string) => SchoolOps | null;

/**
 * Folds a page of events for the schools in `cursors` (Clever school id -> that school's cursor).
 * An event at or before a school's cursor is already reflected in its database and is skipped for
 * that school only. Only `entities` are folded; other events count as ignored.
 */
export function foldEvents(
  events: readonly CleverEvent[],
  cursors: ReadonlyMap<string, string>,
  entities: readonly RosterEntity[] = ['students', 'teachers'],
): FoldResult {
  const bySchool = new Map<string, SchoolOps>();
  let unreadable = 0;
  let ignored = 0;
  const opsFor: OpsFor = (schoolId, eventId) => {
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
    if (!['created', 'updated', 'deleted'].includes(action ?? '')) {
      ignored += 1;
      continue;
    }
    const deleted = action === 'deleted';
    let folded: boolean | null;
    if (recordType === 'users' && (entities.includes('students') || entities.includes('teachers')))
      folded = foldUser(event, deleted, entities, opsFor);
    else if (recordType === 'sections' && entities.includes('sections'))
      folded = foldSection(event, deleted, opsFor);
    else if ((recordType === 'courses' || recordType === 'terms') && entities.includes(recordType))
      folded = foldDistrictRecord(event, recordType, deleted, cursors, opsFor);
    else folded = false;
    if (folded === null) unreadable += 1;
    else if (!folded) ignored += 1;
  }
  return { bySchool, unreadable, ignored };
}

/** null: the record is unreadable. */
function foldUser(
  event: CleverEvent,
  deleted: boolean,
  entities: readonly RosterEntity[],
  opsFor: OpsFor,
): boolean | null {
  const user = eventUser(event);
  if (!user) return null;
  const touched = new Set<SchoolOps>();
  for (const stream of USER_STREAMS) {
    if (!entities.includes(stream.entity)) continue;
    const role = user.roles[stream.role];
    const current = deleted || !role ? [] : roleSchools(role).all;
    const before = [
      ...previousSchools(event, stream.role),
      ...(deleted && role ? roleSchools(role).all : []),
    ];
    const row = current.length > 0 ? stream.rowOf(user) : null;
    const reasons = row ? personInvalidReasons(row) : [];

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
  return true;
}

function foldSection(event: CleverEvent, deleted: boolean, opsFor: OpsFor): boolean | null {
  let section: ReturnType<typeof parseSection>;
  try {
    section = parseSection(event.object);
  } catch {
    return null;
  }
  const schoolId = section.school.trim();
  const previous = event.previousAttributes;
  const movedFrom =
    isRecord(previous) && typeof previous.school === 'string' && previous.school.trim() !== schoolId
      ? previous.school.trim()
      : null;
  if (movedFrom !== null) {
    const old = opsFor(movedFrom, event.id);
    if (old) {
      entityOps(old, 'sections').ops.set(section.id, { kind: 'archive' });
      old.events += 1;
    }
  }
  const school = opsFor(schoolId, event.id);
  if (!school) return true;
  school.events += 1;
  const ops = entityOps(school, 'sections');
  if (deleted) {
    ops.ops.set(section.id, { kind: 'archive' });
    return true;
  }
  const prepared = prepareSections([section], schoolId);
  const row = prepared.rows[0];
  if (row === undefined || !prepared.links) {
    ops.invalid.push(...prepared.invalid);
    return true;
  }
  const memberList = (kind: LinkKind): SectionMembers =>
    prepared.links?.[kind][0] ?? { sectionId: row.cleverId, memberIds: [] };
  ops.ops.set(row.cleverId, {
    kind: 'upsert',
    row,
    links: { teachers: memberList('teachers'), students: memberList('students') },
  });
  return true;
}

/** Courses and terms: every school of the pass keeps its copy in step (refresh or archive). */
function foldDistrictRecord(
  event: CleverEvent,
  entity: 'courses' | 'terms',
  deleted: boolean,
  cursors: ReadonlyMap<string, string>,
  opsFor: OpsFor,
): boolean | null {
  let row: RosterRow<'courses'> | RosterRow<'terms'>;
  try {
    row = entity === 'courses' ? mapCourse(parseCourse(event.object)) : mapTerm(parseTerm(event.object));
  } catch {
    return null;
  }
  const valid = recordInvalidReasons(row).length === 0;
  if (!valid) return null;
  for (const schoolId of cursors.keys()) {
    const school = opsFor(schoolId, event.id);
    if (!school) continue;
    school.events += 1;
    entityOps(school, entity).ops.set(row.cleverId, deleted ? { kind: 'archive' } : { kind: 'refresh', row });
  }
  return true;
}
