import type { Progression } from './layout.js';

/**
 * An ascending-by-id sequence that can be walked from any id bound in either direction. Every
 * list endpoint is one of these, so paging (starting_after / ending_before) never sorts or
 * materializes a whole roster.
 */
export interface SortedSource<T extends { id: string }> {
  /** Items with id > after (all when undefined), ascending. */
  ascending(after?: string): Iterator<T>;
  /** Items with id < before (all when undefined), descending. */
  descending(before?: string): Iterator<T>;
}

/**
 * Generated records along a progression of indices. `load` turns an index into an item or
 * undefined to skip it (changed by an admin, or no longer shared); idOf must be increasing.
 */
export function progressionSource<T extends { id: string }>(
  run: Progression,
  idOf: (index: number) => string,
  load: (index: number, id: string) => T | undefined,
): SortedSource<T> {
  const at = (k: number) => run.first + k * run.step;
  // Smallest k whose id is > bound (run.count when none).
  const firstAbove = (bound: string): number => {
    let lo = 0;
    let hi = run.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (idOf(at(mid)) > bound) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  // Smallest k whose id is >= bound.
  const firstAtOrAbove = (bound: string): number => {
    let lo = 0;
    let hi = run.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (idOf(at(mid)) >= bound) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return {
    *ascending(after) {
      for (let k = after === undefined ? 0 : firstAbove(after); k < run.count; k++) {
        const index = at(k);
        const item = load(index, idOf(index));
        if (item !== undefined) yield item;
      }
    },
    *descending(before) {
      for (let k = (before === undefined ? run.count : firstAtOrAbove(before)) - 1; k >= 0; k--) {
        const index = at(k);
        const item = load(index, idOf(index));
        if (item !== undefined) yield item;
      }
    },
  };
}

/** A small, already sorted array (admin-created or changed records, events). */
export function arraySource<T extends { id: string }>(sorted: readonly T[]): SortedSource<T> {
  const firstAbove = (bound: string) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]!.id > bound) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const firstAtOrAbove = (bound: string) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]!.id >= bound) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return {
    *ascending(after) {
      for (let i = after === undefined ? 0 : firstAbove(after); i < sorted.length; i++) yield sorted[i]!;
    },
    *descending(before) {
      for (let i = (before === undefined ? sorted.length : firstAtOrAbove(before)) - 1; i >= 0; i--) {
        yield sorted[i]!;
      }
    },
  };
}

function* mergeIterators<T extends { id: string }>(
  iterators: Iterator<T>[],
  comesFirst: (a: string, b: string) => boolean,
): Generator<T> {
  const heads = iterators.map((it) => it.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i]!;
      if (head.done) continue;
      if (best < 0 || comesFirst(head.value.id, (heads[best] as IteratorYieldResult<T>).value.id)) best = i;
    }
    if (best < 0) return;
    const value = (heads[best] as IteratorYieldResult<T>).value;
    // A user reachable through two runs (multi-role records) is listed once.
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i]!;
      if (i !== best && !head.done && head.value.id === value.id) heads[i] = iterators[i]!.next();
    }
    heads[best] = iterators[best]!.next();
    yield value;
  }
}

/** The union of several sources, in id order, each id once. */
export function mergeSources<T extends { id: string }>(sources: SortedSource<T>[]): SortedSource<T> {
  if (sources.length === 1) return sources[0]!;
  return {
    ascending: (after) =>
      mergeIterators(
        sources.map((s) => s.ascending(after)),
        (a, b) => a < b,
      ),
    descending: (before) =>
      mergeIterators(
        sources.map((s) => s.descending(before)),
        (a, b) => a > b,
      ),
  };
}

export function filterSource<T extends { id: string }>(
  source: SortedSource<T>,
  keep: (item: T) => boolean,
): SortedSource<T> {
  function* filtered(it: Iterator<T>) {
    for (let r = it.next(); !r.done; r = it.next()) if (keep(r.value)) yield r.value;
  }
  return {
    ascending: (after) => filtered(source.ascending(after)),
    descending: (before) => filtered(source.descending(before)),
  };
}

/** The same sequence with each item transformed on the way out (ids must not change). */
export function mapSource<T extends { id: string }, U extends { id: string }>(
  source: SortedSource<T>,
  transform: (item: T) => U,
): SortedSource<U> {
  function* mapped(it: Iterator<T>) {
    for (let r = it.next(); !r.done; r = it.next()) yield transform(r.value);
  }
  return {
    ascending: (after) => mapped(source.ascending(after)),
    descending: (before) => mapped(source.descending(before)),
  };
}

/** Walks a whole source in id order (truth views, admin cascades). */
export function* iterate<T extends { id: string }>(source: SortedSource<T>): Generator<T> {
  const it = source.ascending();
  for (let r = it.next(); !r.done; r = it.next()) yield r.value;
}
