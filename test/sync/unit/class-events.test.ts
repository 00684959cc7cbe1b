/** Sections, courses and terms: parsing, mapping and how their events fold into per-school ops. */
import { describe, expect, it } from 'vitest';
import { parseSection } from '../../../src/clever/api/index.js';
import type { CleverEvent } from '../../../src/clever/api/types.js';
import { mapSection, mapTerm, membersOf } from '../../../src/sync/execute/class-mapping.js';
import { eventRecordTypes, type FoldResult, foldEvents } from '../../../src/sync/execute/events.js';
import { prepareSections } from '../../../src/sync/execute/streams.js';
import { EVENTS_START } from '../../../src/sync/plan/events-cursor.js';

const S1 = '5a0000000000000000000001';
const S2 = '5a0000000000000000000002';
const SEC = '5c0000000000000000000001';
const T1 = '5b0000000000000000000001';
const T2 = '5b0000000000000000000002';
const P1 = '5d0000000000000000000001';
const P2 = '5d0000000000000000000002';
const ALL = ['students', 'teachers', 'sections', 'courses', 'terms'] as const;
const ev = (n: number) => `e${String(n).padStart(23, '0')}`;
const cursors = new Map([
  [S1, EVENTS_START],
  [S2, EVENTS_START],
]);

function section(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: SEC,
    district: 'd1',
    school: S1,
    name: 'Algebra I - P3',
    subject: 'math',
    grade: '9',
    period: '3',
    course: 'c1',
    term_id: 'term1',
    teacher: T1,
    teachers: [T1, T2],
    students: [P1, P2, P1],
    ...overrides,
  };
}

function event(
  n: number,
  type: string,
  object: Record<string, unknown>,
  previous?: Record<string, unknown>,
): CleverEvent {
  return {
    id: ev(n),
    type,
    created: '2026-01-01T00:00:00Z',
    object,
    ...(previous ? { previousAttributes: previous } : {}),
  };
}

const opsOf = (fold: FoldResult, school: string, entity: 'sections' | 'courses' | 'terms') =>
  fold.bySchool.get(school)?.entities.get(entity)?.ops ?? new Map();

describe('sections from Clever', () => {
  it('parse tolerantly: missing member lists are empty, an older `term` becomes term_id', () => {
    const parsed = parseSection({ id: SEC, school: S1, name: 'x', term: 't-old', teachers: 'nope' });
    expect(parsed.teachers).toEqual([]);
    expect(parsed.students).toEqual([]);
    expect(parsed.term_id).toBe('t-old');
  });

  it('map to a row with the course, term and primary teacher; members once each', () => {
    const parsed = parseSection(section({ name: 'Bio\u0000logy' }));
    expect(mapSection(parsed)).toMatchObject({
      cleverId: SEC,
      cleverSchoolId: S1,
      name: 'Biology',
      cleverCourseId: 'c1',
      cleverTermId: 'term1',
      primaryTeacherCleverId: T1,
      period: '3',
    });
    expect(membersOf(parsed, 'students')).toEqual({ sectionId: SEC, memberIds: [P1, P2] });
    // The primary teacher is a member even when `teachers` leaves them out.
    expect(membersOf(parseSection(section({ teachers: [T2] })), 'teachers').memberIds).toEqual([T1, T2]);
  });

  it('keep a school page to its own sections and report unusable ones by id only', () => {
    const page = prepareSections(
      [
        parseSection(section()),
        parseSection(section({ id: '5c0000000000000000000002', school: S2 })),
        parseSection(section({ id: 'bad id!' })),
      ],
      S1,
    );
    expect(page.rows.map((r) => r.cleverId)).toEqual([SEC]);
    expect(page.invalid).toEqual([{ cleverId: 'bad id!', reasons: ['missing_id'] }]);
    expect(page.links?.students).toEqual([{ sectionId: SEC, memberIds: [P1, P2] }]);
  });

  it('term dates are ISO dates or null', () => {
    expect(
      mapTerm({ id: 't', district: 'd', name: 'Fall', start_date: '2026-08-20', end_date: 'soon' }),
    ).toEqual({
      cleverId: 't',
      cleverDistrictId: 'd',
      name: 'Fall',
      startDate: '2026-08-20',
      endDate: null,
    });
  });
});

describe('folding class events', () => {
  it('asks Clever only for the record types of the rosters it syncs', () => {
    expect(eventRecordTypes(ALL)).toEqual(['users', 'sections', 'courses', 'terms']);
    expect(eventRecordTypes(['students', 'teachers'])).toEqual(['users']);
    expect(eventRecordTypes(['sections'])).toEqual(['sections']);
  });

  it('upserts a changed section with its complete member lists (the last event wins)', () => {
    const fold = foldEvents(
      [
        event(1, 'sections.created', section()),
        event(2, 'sections.updated', section({ students: [P2] }), { students: [P1, P2] }),
      ],
      cursors,
      ALL,
    );
    const op = opsOf(fold, S1, 'sections').get(SEC);
    expect(op?.kind).toBe('upsert');
    expect(op?.kind === 'upsert' && op.links?.students).toEqual({ sectionId: SEC, memberIds: [P2] });
    expect(op?.kind === 'upsert' && op.links?.teachers.memberIds).toEqual([T1, T2]);
    expect(fold.bySchool.has(S2)).toBe(false);
  });

  it('a section moved to another school leaves the old one; a deleted one is archived', () => {
    const fold = foldEvents(
      [event(1, 'sections.updated', section({ school: S2 }), { school: S1 })],
      cursors,
      ALL,
    );
    expect(opsOf(fold, S1, 'sections').get(SEC)).toEqual({ kind: 'archive' });
    expect(opsOf(fold, S2, 'sections').get(SEC)?.kind).toBe('upsert');
    const deleted = foldEvents([event(2, 'sections.deleted', section())], cursors, ALL);
    expect(opsOf(deleted, S1, 'sections').get(SEC)).toEqual({ kind: 'archive' });
  });

  it('courses and terms name no school: every school of the pass refreshes or archives its copy', () => {
    const fold = foldEvents(
      [
        event(1, 'courses.updated', { id: 'c1', district: 'd1', name: 'Algebra' }),
        event(2, 'terms.deleted', { id: 'term1', district: 'd1', name: 'Fall' }),
      ],
      cursors,
      ALL,
    );
    for (const school of [S1, S2]) {
      expect(opsOf(fold, school, 'courses').get('c1')?.kind).toBe('refresh');
      expect(opsOf(fold, school, 'terms').get('term1')).toEqual({ kind: 'archive' });
    }
  });

  it('ignores class events when class rosters are not synced, and counts unreadable ones', () => {
    const users = foldEvents([event(1, 'sections.created', section())], cursors, ['students', 'teachers']);
    expect(users.ignored).toBe(1);
    expect(users.bySchool.size).toBe(0);
    const unreadable = foldEvents([event(1, 'sections.created', { name: 'no id' })], cursors, ALL);
    expect(unreadable.unreadable).toBe(1);
  });

  it('skips a school whose cursor is past the event', () => {
    const fold = foldEvents(
      [event(1, 'sections.created', section())],
      new Map([
        [S1, ev(5)],
        [S2, EVENTS_START],
      ]),
      ALL,
    );
    expect(fold.bySchool.size).toBe(0);
  });
});
