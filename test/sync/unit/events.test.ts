import { describe, expect, it } from 'vitest';
import type { CleverEvent } from '../../../src/clever/api/types.js';
import { checkArchiveGuard } from '../../../src/sync/execute/archive-guard.js';
import { type FoldResult, foldEvents } from '../../../src/sync/execute/events.js';
import {
  compareEventIds,
  EVENTS_START,
  oldestCursor,
  startingAfter,
} from '../../../src/sync/plan/events-cursor.js';

/** The operations the fold gave one roster of one school (empty when it touched none). */
const opsOf = (fold: FoldResult, school: string, entity: 'students' | 'teachers') =>
  fold.bySchool.get(school)?.entities.get(entity)?.ops ?? new Map();

const S1 = '5a0000000000000000000001';
const S2 = '5a0000000000000000000002';
const S3 = '5a0000000000000000000003';
const U = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const ev = (n: number) => `e${String(n).padStart(23, '0')}`;

function userEvent(
  id: number,
  action: 'created' | 'updated' | 'deleted',
  roles: Record<string, unknown>,
  previous?: Record<string, unknown>,
  userId = U,
): CleverEvent {
  return {
    id: ev(id),
    type: `users.${action}`,
    created: '2025-01-01T00:00:00Z',
    object: { id: userId, district: 'd1', name: { first: 'F', last: 'L' }, roles },
    ...(previous ? { previousAttributes: previous } : {}),
  };
}

const all = (cursor = EVENTS_START) =>
  new Map([
    [S1, cursor],
    [S2, cursor],
    [S3, cursor],
  ]);

describe('event cursor helpers', () => {
  it('orders 24-hex ids and finds the oldest cursor', () => {
    expect(compareEventIds(ev(2), ev(10))).toBeLessThan(0);
    expect(compareEventIds('AB', 'ab')).toBe(0);
    expect(compareEventIds(EVENTS_START, ev(1))).toBeLessThan(0);
    expect(oldestCursor([ev(5), ev(3), ev(9)])).toBe(ev(3));
    expect(oldestCursor([])).toBeUndefined();
  });

  it('never sends the start sentinel to Clever', () => {
    expect(startingAfter(EVENTS_START)).toBeUndefined();
    expect(startingAfter(ev(4))).toBe(ev(4));
  });
});

describe('foldEvents', () => {
  it('upserts created and updated users in each of their schools', () => {
    const fold = foldEvents([userEvent(1, 'created', { student: { school: S1, schools: [S1, S2] } })], all());
    expect(opsOf(fold, S1, 'students').get(U)?.kind).toBe('upsert');
    expect(opsOf(fold, S2, 'students').get(U)?.kind).toBe('upsert');
    expect(fold.bySchool.has(S3)).toBe(false);
  });

  it('archives a deleted user in every school it was in', () => {
    const fold = foldEvents([userEvent(1, 'deleted', { student: { schools: [S1, S2] } })], all());
    expect(opsOf(fold, S1, 'students').get(U)).toEqual({ kind: 'archive' });
    expect(opsOf(fold, S2, 'students').get(U)).toEqual({ kind: 'archive' });
  });

  it('archives a user who moved in the old school and upserts it in the new one', () => {
    const moved = userEvent(
      1,
      'updated',
      { student: { school: S2, schools: [S2] } },
      { roles: { student: { school: S1, schools: [S1] } } },
    );
    const fold = foldEvents([moved], all());
    expect(opsOf(fold, S1, 'students').get(U)).toEqual({ kind: 'archive' });
    expect(opsOf(fold, S2, 'students').get(U)?.kind).toBe('upsert');
  });

  it('archives the role a user lost and keeps the other one', () => {
    const lost = userEvent(
      1,
      'updated',
      { teacher: { schools: [S1] } },
      { roles: { student: { schools: [S1] } } },
    );
    const fold = foldEvents([lost], all());
    expect(opsOf(fold, S1, 'students').get(U)).toEqual({ kind: 'archive' });
    expect(opsOf(fold, S1, 'teachers').get(U)?.kind).toBe('upsert');
  });

  it('lets the last event of a page decide (delete then re-share = upsert)', () => {
    const fold = foldEvents(
      [
        userEvent(1, 'deleted', { student: { schools: [S1] } }),
        userEvent(2, 'created', { student: { schools: [S1] } }),
      ],
      all(),
    );
    expect(opsOf(fold, S1, 'students').get(U)?.kind).toBe('upsert');
    expect(fold.bySchool.get(S1)?.events).toBe(2);
  });

  it('skips events at or before a school’s own cursor, for that school only', () => {
    const cursors = new Map([
      [S1, ev(5)],
      [S2, ev(1)],
    ]);
    const fold = foldEvents([userEvent(3, 'created', { student: { schools: [S1, S2] } })], cursors);
    expect(fold.bySchool.has(S1)).toBe(false);
    expect(opsOf(fold, S2, 'students').get(U)?.kind).toBe('upsert');
  });

  it('ignores schools outside the pass, other record types, and unreadable records', () => {
    const fold = foldEvents(
      [
        userEvent(1, 'created', { student: { schools: ['9'.repeat(24)] } }),
        { id: ev(2), type: 'schools.updated', created: '', object: { id: S1 } },
        { id: ev(3), type: 'users.created', created: '', object: { nope: true } },
      ],
      all(),
    );
    expect(fold.bySchool.size).toBe(0);
    expect(fold.ignored).toBe(1);
    expect(fold.unreadable).toBe(1);
  });

  it('reports records missing required fields as invalid instead of writing them', () => {
    const nameless: CleverEvent = {
      ...userEvent(1, 'created', { student: { schools: [S1] } }),
      object: { id: U, district: 'd1', name: { first: '', last: '' }, roles: { student: { schools: [S1] } } },
    };
    const fold = foldEvents([nameless], all());
    expect(opsOf(fold, S1, 'students').size).toBe(0);
    expect(fold.bySchool.get(S1)?.entities.get('students')?.invalid).toEqual([
      { cleverId: U, reasons: ['missing_name'] },
    ]);
  });
});

describe('checkArchiveGuard', () => {
  const base = { fraction: 0.3, minRows: 10, force: false };
  it('holds when the pull returned nothing for a school that had rows', () => {
    expect(checkArchiveGuard({ ...base, activeBefore: 5, wouldArchive: 5, pulled: 0 }).hold).toBe(true);
  });
  it('holds above the share once enough rows are involved', () => {
    expect(checkArchiveGuard({ ...base, activeBefore: 100, wouldArchive: 31, pulled: 69 }).hold).toBe(true);
    expect(checkArchiveGuard({ ...base, activeBefore: 100, wouldArchive: 30, pulled: 70 }).hold).toBe(false);
    expect(checkArchiveGuard({ ...base, activeBefore: 20, wouldArchive: 9, pulled: 11 }).hold).toBe(false);
  });
  it('lets force override and never holds when nothing would be archived', () => {
    expect(
      checkArchiveGuard({ ...base, activeBefore: 5, wouldArchive: 5, pulled: 0, force: true }).hold,
    ).toBe(false);
    expect(checkArchiveGuard({ ...base, activeBefore: 0, wouldArchive: 0, pulled: 0 }).hold).toBe(false);
  });
});
