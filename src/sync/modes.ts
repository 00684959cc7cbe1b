/**
 * How each school is synced in a run. Incremental (events) is the default once a school has a
 * cursor; a full sync is chosen whenever the cursor cannot be trusted.
 */
import type { SchoolRecord } from '../db/types.js';
import type { RunContext } from './context.js';

export type SchoolMode =
  | { kind: 'incremental' }
  | { kind: 'full' | 'compare' | 'plan'; reason: FullSyncReason };

export type FullSyncReason =
  | 'dry-run'
  | 'requested'
  | 'never-synced'
  | 'requires-full-sync'
  | 'events-disabled'
  | 'no-events-cursor'
  | 'cursor-expired'
  | 'events-cursor-rejected';

const DAY_MS = 86_400_000;

export function decideSchoolMode(ctx: RunContext, school: SchoolRecord): SchoolMode {
  const { settings, options } = ctx;
  if (options.dryRun) return { kind: 'plan', reason: 'dry-run' };
  if (options.full) return { kind: 'full', reason: 'requested' };
  if (school.lastSuccessfulSyncAt === null) return { kind: 'full', reason: 'never-synced' };
  if (school.requiresFullSync) return { kind: 'full', reason: 'requires-full-sync' };
  const withoutEvents = settings.withoutEvents === 'compare-last-modified' ? 'compare' : 'full';
  if (!settings.eventsEnabled) return { kind: withoutEvents, reason: 'events-disabled' };
  // A null cursor after a successful sync: the district had no Events access last time.
  if (school.eventsCursor === null) return { kind: withoutEvents, reason: 'no-events-cursor' };
  // Clever keeps events for a limited time; past it, events would silently be missing.
  const age = ctx.now().getTime() - school.lastSuccessfulSyncAt.getTime();
  if (age > settings.eventsRetentionDays * DAY_MS) return { kind: 'full', reason: 'cursor-expired' };
  return { kind: 'incremental' };
}
