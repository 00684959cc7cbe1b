import type { SyncCounts } from '../db/types.js';

export function zeroCounts(): SyncCounts {
  return { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };
}

/** Adds `more` into `into` (mutates and returns it: counters grow page by page). */
export function addCounts(into: SyncCounts, more: Partial<SyncCounts>): SyncCounts {
  into.processed += more.processed ?? 0;
  into.created += more.created ?? 0;
  into.updated += more.updated ?? 0;
  into.archived += more.archived ?? 0;
  into.restored += more.restored ?? 0;
  into.failed += more.failed ?? 0;
  into.invalid += more.invalid ?? 0;
  return into;
}

export function sumCounts(all: Iterable<SyncCounts>): SyncCounts {
  const total = zeroCounts();
  for (const counts of all) addCounts(total, counts);
  return total;
}
