/**
 * What a sync run is, in the words every layer shares: the engine produces these, the SessionDb
 * stores them, the triggers, the CLI and telemetry report them. Types and pure helpers only.
 */

/** What a SyncHistory row counts: `enrollments` counts section links (teachers and students). */
export type SyncEntity =
  | 'districts'
  | 'schools'
  | 'students'
  | 'teachers'
  | 'sections'
  | 'courses'
  | 'terms'
  | 'enrollments';
export type SyncType = 'Full' | 'Incremental';
/**
 * `Held`: the mass-archive guard kept archives back. `Skipped`: a run whose every part another run
 * was already syncing (nothing done, nothing failed). `Abandoned`: its process ended mid-run.
 */
export type SyncStatus =
  | 'Running'
  | 'Succeeded'
  | 'PartiallySucceeded'
  | 'Failed'
  | 'Abandoned'
  | 'Held'
  | 'Skipped';
export type SyncTrigger = 'timer' | 'http' | 'queue' | 'cli' | 'test';

export interface SyncCounts {
  processed: number;
  created: number;
  updated: number;
  archived: number;
  restored: number;
  failed: number;
  invalid: number;
}

export type SyncRunScope = 'all' | 'district' | 'school';

/** What identifies a run wherever it appears: its SyncRun row, its result, its views. */
export interface SyncRunHeader {
  runId: string;
  scope: SyncRunScope;
  /** Internal id of the district or school when scope is not 'all'. */
  scopeId: number | null;
  trigger: SyncTrigger;
  full: boolean;
  dryRun: boolean;
  startedAt: Date;
}

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
