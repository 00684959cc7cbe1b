/**
 * A full pull of one entity (students or teachers) of one school, in one of three modes:
 * - `full`: upsert every valid record (marking it seen by the run), then archive the rows the
 *   run did not see, unless the mass-archive guard holds.
 * - `compare`: the same pull, but rows whose Clever last_modified is not newer than the previous
 *   run's watermark are not written (for apps without Events access, see docs/sync.md); archive
 *   candidates are the active ids the pull did not return.
 * - `plan`: a dry run: classify records against the database without writing anything.
 * Pages stream through; only `compare` and `plan` hold ids, and only one school's.
 */

import type { CleverDistrictApi, CleverUser } from '../clever/api/types.js';
import type { SchoolRosterRepository } from '../db/types.js';
import type { RosterEntity, SyncCounts, SyncType } from '../domain/index.js';
import { addCounts, zeroCounts } from '../domain/index.js';
import type { Logger } from '../telemetry/index.js';
import { checkArchiveGuard } from './archive-guard.js';
import type { RunContext } from './context.js';
import { describeError, errorForLog } from './error-text.js';
import { chunks, prefetchOne } from './pages.js';
import type { EntityPlan, EntitySyncResult } from './types.js';
import { type InvalidRecord, isUsableCleverId, preparePage } from './validate.js';

export type EntityMode = 'full' | 'compare' | 'plan';

export const SAMPLE_SIZE = 5;
const ARCHIVE_CHUNK = 1_000;
/** Invalid records logged per page (by Clever id); the rest are only counted. */
const INVALID_LOG_LIMIT = 20;

export interface EntitySyncInput {
  ctx: RunContext;
  api: CleverDistrictApi;
  school: { id: number | null; districtId: number | null; cleverSchoolId: string };
  /** Null only in a dry run of a school that has no database yet. */
  roster: SchoolRosterRepository | null;
  entity: RosterEntity;
  mode: EntityMode;
  /** `compare`: rows last modified at or before this instant are skipped. */
  since: Date | null;
  /** Recorded on the history row: the event cursor this full sync establishes. */
  eventCursor: string | null;
  logger: Logger;
}

export interface EntitySyncOutcome extends EntitySyncResult {
  /** Newest Clever last_modified seen (the next compare-mode watermark). */
  lastModified: Date | null;
  /**
   * Set when the entity failed part-way (status Failed): what went wrong. The outcome still
   * carries the counts of the rows written before the failure, so the run reports them.
   */
  failure?: unknown;
}

export function emptyPlan(): EntityPlan {
  return {
    creates: 0,
    updates: 0,
    restores: 0,
    archives: 0,
    unchanged: 0,
    invalid: 0,
    samples: { creates: [], updates: [], restores: [], archives: [] },
    wouldHold: false,
  };
}

function addSamples(into: string[], more: readonly string[]): void {
  for (const id of more) {
    if (into.length >= SAMPLE_SIZE) return;
    into.push(id);
  }
}

function syncTypeOf(mode: EntityMode): SyncType {
  return mode === 'compare' ? 'Reconciliation' : 'Full';
}

function pull(
  api: CleverDistrictApi,
  entity: RosterEntity,
  schoolId: string,
  pageSize: number,
): AsyncIterable<CleverUser[]> {
  return entity === 'students'
    ? api.getStudents(schoolId, undefined, { pageSize })
    : api.getTeachers(schoolId, undefined, { pageSize });
}

function logInvalid(logger: Logger, entity: RosterEntity, invalid: InvalidRecord[]): void {
  if (invalid.length === 0) return;
  logger.warn(
    { entity, invalidCount: invalid.length, invalid: invalid.slice(0, INVALID_LOG_LIMIT) },
    'skipped Clever records that miss required fields',
  );
}

export async function syncEntity(input: EntitySyncInput): Promise<EntitySyncOutcome> {
  const { ctx, api, school, roster, entity, mode, logger } = input;
  const syncType = syncTypeOf(mode);
  const entry = await ctx.history.start({
    districtId: school.districtId,
    schoolId: school.id,
    entity,
    syncType,
    eventCursor: input.eventCursor,
  });
  const counts = zeroCounts();
  const warnings: string[] = [];
  let unchanged = 0;
  let lastModified: Date | null = null;
  const plan = emptyPlan();
  try {
    if (mode !== 'plan' && !roster) throw new Error('school database unavailable');
    const activeBefore = roster ? await roster.countActive(entity) : 0;
    // compare: ids still to be seen; plan: ids seen. Both bounded by one school's roster.
    const activeIds = mode === 'compare' && roster ? await collectActiveIds(roster, entity) : null;
    const seenIds = mode === 'plan' ? new Set<string>() : null;

    for await (const page of prefetchOne(pull(api, entity, school.cleverSchoolId, ctx.settings.pageSize))) {
      const prepared = preparePage(entity, page);
      counts.processed += prepared.received;
      counts.invalid += prepared.invalid.length;
      logInvalid(logger, entity, prepared.invalid);
      // Listed but unreadable: the user is still shared, so the last good row stays (never archived).
      const listedInvalid = prepared.invalid.map((r) => r.cleverId).filter(isUsableCleverId);
      if (listedInvalid.length > 0) {
        if (mode === 'full') await roster!.markSeen(entity, listedInvalid, ctx.runId);
        for (const id of listedInvalid) {
          activeIds?.delete(id);
          seenIds?.add(id);
        }
      }
      for (const row of prepared.rows) {
        const modified = row.cleverLastModified;
        if (modified && (!lastModified || modified > lastModified)) lastModified = modified;
      }

      if (mode === 'plan') {
        for (const row of prepared.rows) seenIds?.add(row.cleverId);
        if (roster) {
          const rowPlan = await roster.plan(entity, prepared.rows);
          plan.creates += rowPlan.created;
          plan.updates += rowPlan.updated;
          plan.restores += rowPlan.restored;
          plan.unchanged += rowPlan.unchanged;
          addSamples(plan.samples.creates, rowPlan.samples.created);
          addSamples(plan.samples.updates, rowPlan.samples.updated);
          addSamples(plan.samples.restores, rowPlan.samples.restored);
        } else {
          plan.creates += prepared.rows.length;
          addSamples(
            plan.samples.creates,
            prepared.rows.map((r) => r.cleverId),
          );
        }
      } else {
        let rows = prepared.rows;
        if (activeIds) {
          const since = input.since;
          rows = prepared.rows.filter((row) => {
            const known = activeIds.delete(row.cleverId);
            const modified = row.cleverLastModified;
            return !known || !since || !modified || modified > since;
          });
          unchanged += prepared.rows.length - rows.length;
        }
        if (rows.length > 0) {
          try {
            const result = await roster!.upsert(entity, rows, ctx.runId);
            addCounts(counts, {
              created: result.created,
              updated: result.updated,
              restored: result.restored,
            });
            unchanged += result.unchanged;
          } catch (error) {
            counts.failed += rows.length;
            throw error;
          }
        }
      }
      ctx.tracker.records(prepared.received);
    }

    // The pull completed without error: now (and only now) absent rows may be archived.
    const pulled = counts.processed - counts.invalid;
    let wouldArchive: number;
    if (mode === 'plan') {
      wouldArchive = roster ? await planArchives(roster, entity, seenIds!, plan) : 0;
    } else if (activeIds) {
      wouldArchive = activeIds.size;
    } else {
      wouldArchive = await roster!.countUnseenActive(entity, ctx.runId);
    }
    const guard = checkArchiveGuard({
      activeBefore,
      wouldArchive,
      pulled,
      fraction: ctx.settings.archiveGuardFraction,
      minRows: ctx.settings.archiveGuardMinRows,
      force: ctx.options.force,
    });
    let held = false;
    if (guard.hold) {
      held = true;
      warnings.push(`${entity}: ${guard.reason}`);
      logger.warn({ entity, activeBefore, wouldArchive, pulled }, `mass-archive guard: ${guard.reason}`);
    }
    if (mode === 'plan') {
      plan.invalid = counts.invalid;
      plan.wouldHold = held;
      if (guard.hold) plan.holdReason = guard.reason;
      return {
        entity,
        syncType,
        status: 'Succeeded',
        counts,
        unchanged: plan.unchanged,
        warnings,
        plan,
        lastModified,
      };
    }

    let purged: number | undefined;
    if (!held) {
      const at = ctx.now();
      if (activeIds) {
        for (const ids of chunks([...activeIds], ARCHIVE_CHUNK)) {
          counts.archived += await roster!.archiveByCleverIds(entity, ids, at);
        }
      } else if (wouldArchive > 0) {
        counts.archived += await roster!.archiveUnseen(entity, ctx.runId, at);
      }
      const purgeBefore = ctx.options.purgeInactiveBefore;
      if (purgeBefore !== null) {
        purged = await roster!.deleteInactive(entity, purgeBefore === 'run-end' ? ctx.now() : purgeBefore);
        if (purged > 0) warnings.push(`${entity}: beginning-of-year mode deleted ${purged} inactive rows`);
      }
    }
    const status = held ? 'Held' : 'Succeeded';
    await entry.complete({
      status,
      counts,
      eventCursor: input.eventCursor,
      lastSyncTimestamp: lastModified,
      warnings,
    });
    return {
      entity,
      syncType,
      status,
      counts,
      unchanged,
      warnings,
      lastModified,
      ...(purged === undefined ? {} : { purged }),
    };
  } catch (error) {
    const message = describeError(error);
    await entry
      .complete({ status: 'Failed', counts, errorSummary: message, warnings })
      .catch((e) => logger.warn({ err: errorForLog(e) }, 'could not complete history row'));
    return {
      entity,
      syncType,
      status: 'Failed',
      counts,
      unchanged,
      warnings,
      error: message,
      lastModified,
      failure: error,
    };
  }
}

async function collectActiveIds(roster: SchoolRosterRepository, entity: RosterEntity): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const page of roster.iterateActiveCleverIds(entity, ARCHIVE_CHUNK)) {
    for (const id of page) ids.add(id);
  }
  return ids;
}

async function planArchives(
  roster: SchoolRosterRepository,
  entity: RosterEntity,
  seen: Set<string>,
  plan: EntityPlan,
): Promise<number> {
  for await (const page of roster.iterateActiveCleverIds(entity, ARCHIVE_CHUNK)) {
    for (const id of page) {
      if (seen.has(id)) continue;
      plan.archives += 1;
      if (plan.samples.archives.length < SAMPLE_SIZE) plan.samples.archives.push(id);
    }
  }
  return plan.archives;
}

export function countsOf(results: readonly { counts: SyncCounts }[]): SyncCounts {
  const total = zeroCounts();
  for (const r of results) addCounts(total, r.counts);
  return total;
}
