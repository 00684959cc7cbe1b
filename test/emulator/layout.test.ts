import { describe, expect, it } from 'vitest';
import { DistrictLayout, type DistrictShape } from '../../emulator/data/layout.js';
import { arraySource, iterate, mergeSources, progressionSource } from '../../emulator/data/sorted.js';
import { takePage } from '../../emulator/http/paging.js';
import { IdKind, makeId } from '../../emulator/ids.js';
import type { SchoolRole } from '../../emulator/types.js';

const ROLES: SchoolRole[] = ['student', 'teacher', 'staff'];

function shape(partial: Partial<DistrictShape>): DistrictShape {
  return {
    schools: 4,
    studentsPerSchool: 30,
    teachersPerSchool: 5,
    staffPerSchool: 2,
    multiSchoolShare: 0.2,
    ...partial,
  };
}

function expand(runs: { first: number; step: number; count: number }[]): number[] {
  return runs
    .flatMap((r) => Array.from({ length: r.count }, (_, k) => r.first + k * r.step))
    .sort((a, b) => a - b);
}

describe('district layout (who is in which school, by arithmetic)', () => {
  it.each([
    { schools: 1, multiSchoolShare: 0.5 },
    { schools: 2, multiSchoolShare: 0.3 },
    { schools: 3, multiSchoolShare: 1 },
    { schools: 5, multiSchoolShare: 0.2 },
    { schools: 4, multiSchoolShare: 0 },
    { schools: 3, studentsPerSchool: 0 },
  ])('school runs list exactly the users whose placement includes the school (%o)', (partial) => {
    const layout = new DistrictLayout(shape(partial), 1234, 0);
    for (let school = 0; school < layout.shape.schools; school++) {
      for (const role of ROLES) {
        const expected: number[] = [];
        const expectedPrimary: number[] = [];
        for (let i = 0; i < layout.totalUsers; i++) {
          const p = layout.placement(i)!;
          if (p.role !== role) continue;
          if (p.schoolIndices.includes(school)) expected.push(i);
          if (p.primarySchool === school) expectedPrimary.push(i);
        }
        expect(expand(layout.schoolRuns(school, role, false))).toEqual(expected);
        expect(expand(layout.schoolRuns(school, role, true))).toEqual(expectedPrimary);
      }
    }
  });

  it('puts some users in two and three schools when the share is set, none when it is 0', () => {
    const counts = (share: number) => {
      const layout = new DistrictLayout(shape({ schools: 5, multiSchoolShare: share }), 99, 0);
      const bySize = new Map<number, number>();
      for (let i = 0; i < layout.totalUsers; i++) {
        const n = layout.placement(i)!.schoolIndices.length;
        bySize.set(n, (bySize.get(n) ?? 0) + 1);
      }
      return bySize;
    };
    const some = counts(0.2);
    expect(some.get(2)).toBeGreaterThan(0);
    expect(some.get(3)).toBeGreaterThan(0);
    expect([...counts(0).keys()]).toEqual([1]);
  });

  it('rejects indices outside the generated range', () => {
    const layout = new DistrictLayout(shape({}), 1, 0);
    expect(layout.placement(-1)).toBeUndefined();
    expect(layout.placement(layout.totalUsers)).toBeUndefined();
  });
});

describe('sorted sources and pages', () => {
  const idOf = (i: number) => makeId('5b000000', 0, IdKind.user, i);
  const items = (indices: number[]) => indices.map((i) => ({ id: idOf(i) }));
  const evens = progressionSource({ first: 0, step: 2, count: 50 }, idOf, (_i, id) => ({ id }));
  const extra = arraySource(items([5, 7, 200]));
  const merged = mergeSources([evens, extra]);
  const all = [...iterate(merged)].map((x) => x.id);

  it('merges runs in id order', () => {
    const expected = [...Array.from({ length: 50 }, (_, k) => 2 * k), 5, 7, 200]
      .sort((a, b) => a - b)
      .map(idOf);
    expect(all).toEqual(expected);
  });

  it('pages forward and backward from any bound, matching a plain array', () => {
    for (const limit of [1, 3, 7, 53, 100]) {
      for (let start = -1; start < all.length; start += 5) {
        const after = start < 0 ? undefined : all[start];
        const page = takePage(merged, { limit, startingAfter: after });
        const from = start + 1;
        expect(page.items.map((x) => x.id)).toEqual(all.slice(from, from + limit));
        expect(page.hasAfter).toBe(from + limit < all.length);
        expect(page.hasBefore).toBe(after !== undefined && from > 0 && page.items.length > 0);

        const before = start < 0 ? 'last' : all[start]!;
        const back = takePage(merged, { limit, endingBefore: before });
        const end = start < 0 ? all.length : start;
        expect(back.items.map((x) => x.id)).toEqual(all.slice(Math.max(0, end - limit), end));
        expect(back.hasBefore).toBe(end - limit > 0);
      }
    }
  });

  it('treats a bound that is not in the list as a position between ids', () => {
    const page = takePage(merged, { limit: 2, startingAfter: idOf(4) });
    expect(page.items.map((x) => x.id)).toEqual([idOf(5), idOf(6)]);
  });
});
