/**
 * One district in a run: refresh the district and its school list, then sync its schools. Schools
 * with a trustworthy events cursor share one incremental pass over the district's events; the
 * rest get a pull-based full sync, at most SYNC_MAX_CONCURRENT_SCHOOLS at once. Following
 * Clever's recipe, the newest event id is taken BEFORE any full pull: it becomes those schools'
 * cursor, so changes made during the pull are applied by the next incremental run.
 */

import type { CleverDistrictApi } from '../clever/api/types.js';
import type { DistrictRecord, SchoolRecord } from '../db/types.js';
import type { SyncCounts } from '../domain/index.js';
import { sumCounts } from '../domain/index.js';
import type { Logger } from '../telemetry/index.js';
import type { RunContext } from './context.js';
import { type DistrictTrace, startDistrictTrace } from './district-trace.js';
import { describeError, errorForLog } from './error-text.js';
import { compareEventIds, EVENTS_START } from './events.js';
import { runIncrementalPass } from './incremental.js';
import { leaseKeys } from './leases.js';
import { decideSchoolMode, type FullSyncReason } from './modes.js';
import { districtStatus } from './rollup.js';
import { type SchoolTarget, syncSchoolRoster } from './school-sync.js';
import { refreshDistrict, refreshSchools } from './schools-list.js';
import type { DistrictSyncResult, SchoolSyncResult } from './types.js';

export interface DistrictTarget {
  cleverDistrictId: string;
  record: DistrictRecord | null;
}

type PullMode = 'full' | 'compare' | 'plan';

interface PullJob {
  school: SchoolTarget;
  mode: PullMode;
  reason: FullSyncReason;
}

export async function syncDistrictRun(ctx: RunContext, target: DistrictTarget): Promise<DistrictSyncResult> {
  const started = Date.now();
  const logger = ctx.logger.child({
    cleverDistrictId: target.cleverDistrictId,
    districtId: target.record?.id,
  });
  const dryRun = ctx.options.dryRun;
  const warnings: string[] = [];
  let district = target.record;
  let schoolChanges = sumCounts([]);
  const schools: SchoolSyncResult[] = [];
  const mode = { incrementalSchools: 0, fullSchools: 0, eventsApplied: 0 };
  let eventsCursor: string | null = null;

  if (!dryRun) {
    const lease = await ctx.leases.acquire(leaseKeys.district(target.cleverDistrictId));
    if (!lease.acquired) {
      logger.info({ runningRunId: lease.runningRunId }, 'district skipped: another run is syncing it');
      ctx.tracker.districtDone();
      return {
        districtId: district?.id ?? null,
        cleverDistrictId: target.cleverDistrictId,
        status: 'Skipped',
        schoolChanges,
        schools,
        counts: sumCounts([]),
        durationMs: 0,
        eventsCursor: district?.eventsCursor ?? null,
        mode,
        warnings: [`already being synced by run ${lease.runningRunId}`],
        runningRunId: lease.runningRunId,
      };
    }
  }

  logger.info({ dryRun, full: ctx.options.full }, 'district sync started');
  let error: string | undefined;
  let listHeld = false;
  let trace: DistrictTrace | undefined;
  try {
    trace = await startDistrictTrace(ctx, target.cleverDistrictId, district, logger);
    district = trace.district;
    const api = ctx.deps.clever.forDistrict(target.cleverDistrictId);
    district = await refreshDistrict(ctx, api, district, target.cleverDistrictId);
    const list = await refreshSchools(ctx, api, district, logger);
    schoolChanges = list.changes;
    warnings.push(...list.warnings);
    listHeld = list.held;
    for (const result of list.unshared) {
      schools.push(result);
      ctx.tracker.addSchools(1);
      ctx.tracker.schoolFinished(result);
    }
    const synced = await syncSchools(ctx, api, list.schools, logger, warnings);
    schools.push(...synced.schools);
    Object.assign(mode, synced.mode);
    eventsCursor = synced.eventsCursor;
    if (!dryRun && district && eventsCursor !== null) {
      await ctx.deps.session.districts.setEventsCursor(district.id, eventsCursor, ctx.now());
    }
  } catch (caught) {
    error = describeError(caught);
    logger.error({ err: errorForLog(caught) }, 'district sync failed');
    await trace?.finish(caught);
    trace = undefined;
  } finally {
    await trace?.finish();
    if (!dryRun) await ctx.leases.release(leaseKeys.district(target.cleverDistrictId));
  }

  const counts: SyncCounts = sumCounts(schools.map((s) => s.counts));
  const status = districtStatus(error, schools, listHeld);
  const durationMs = Date.now() - started;
  logger.info(
    { status, durationMs, schools: schools.length, counts, schoolChanges, mode },
    'district sync finished',
  );
  ctx.tracker.districtDone();
  return {
    districtId: district?.id ?? null,
    cleverDistrictId: target.cleverDistrictId,
    status,
    schoolChanges,
    schools,
    counts,
    durationMs,
    eventsCursor,
    mode,
    ...(error ? { error } : {}),
    warnings,
  };
}

export interface SchoolsOutcome {
  schools: SchoolSyncResult[];
  mode: DistrictSyncResult['mode'];
  /** Newest cursor reached (events applied or taken before full pulls). */
  eventsCursor: string | null;
}

/**
 * Syncs the given schools of one district: one incremental pass for those with a usable cursor,
 * then full pulls (within the run's concurrency limit) for the rest and for any the pass sent
 * back because Clever refused the cursor.
 */
export async function syncSchools(
  ctx: RunContext,
  api: CleverDistrictApi,
  targets: readonly SchoolTarget[],
  logger: Logger,
  warnings: string[],
): Promise<SchoolsOutcome> {
  ctx.tracker.addSchools(targets.length);
  const schools: SchoolSyncResult[] = [];
  const mode = { incrementalSchools: 0, fullSchools: 0, eventsApplied: 0 };
  let eventsCursor: string | null = null;

  const pulls: PullJob[] = [];
  const incremental: SchoolRecord[] = [];
  for (const school of targets) {
    const decided = school.record ? decideSchoolMode(ctx, school.record) : null;
    if (!decided) pulls.push({ school, mode: 'plan', reason: 'dry-run' });
    else if (decided.kind === 'incremental') incremental.push(school.record!);
    else pulls.push({ school, mode: decided.kind, reason: decided.reason });
  }

  // Clever's recipe: the cursor for full pulls is taken before they start.
  let cursorAfter = pulls.some((p) => p.mode !== 'plan')
    ? await takeCursor(ctx, api, logger, warnings)
    : null;

  if (incremental.length > 0) {
    const pass = await runIncrementalPass(ctx, api, incremental);
    for (const result of pass.results) {
      schools.push(result);
      ctx.tracker.schoolFinished(result);
    }
    mode.incrementalSchools = pass.results.length;
    mode.eventsApplied = pass.eventsApplied;
    eventsCursor = pass.lastEventId;
    if (pass.fallback.length > 0) {
      if (pass.fallbackReason) warnings.push(pass.fallbackReason);
      if (cursorAfter === null) cursorAfter = await takeCursor(ctx, api, logger, warnings);
      for (const record of pass.fallback) {
        pulls.push({
          school: { record, cleverSchoolId: record.cleverSchoolId, districtId: record.districtId },
          mode:
            cursorAfter === null && ctx.settings.withoutEvents === 'compare-last-modified'
              ? 'compare'
              : 'full',
          reason: 'events-cursor-rejected',
        });
      }
    }
  }

  mode.fullSchools = pulls.length;
  const pulled = await Promise.all(
    pulls.map((job) =>
      ctx.limiter(async () => {
        const result = await syncSchoolRoster({
          ctx,
          api,
          school: job.school,
          mode: job.mode,
          reason: job.reason,
          // Compare-mode pulls establish one too: once Events are on, the next run goes incremental.
          cursorAfter,
        });
        ctx.tracker.schoolFinished(result);
        return result;
      }),
    ),
  );
  schools.push(...pulled);

  if (cursorAfter !== null && (eventsCursor === null || compareEventIds(cursorAfter, eventsCursor) > 0)) {
    eventsCursor = cursorAfter;
  }
  return { schools, mode, eventsCursor };
}

/**
 * The newest event id, to become the cursor of schools about to be pulled in full. A district
 * without events yet gets EVENTS_START (read from the beginning next time); without Events access
 * (or events turned off) there is no cursor and the next run pulls again.
 */
export async function takeCursor(
  ctx: RunContext,
  api: CleverDistrictApi,
  logger: Logger,
  warnings: string[],
): Promise<string | null> {
  if (!ctx.settings.eventsEnabled || ctx.options.dryRun) return null;
  try {
    return (await api.getLatestEventId()) ?? EVENTS_START;
  } catch (error) {
    const message = `events unavailable (${describeError(error)}): the next run pulls in full again`;
    warnings.push(message);
    logger.warn(
      { err: errorForLog(error) },
      'could not read the latest Clever event id; incremental sync unavailable',
    );
    return null;
  }
}

/** A run scoped to one school: no school-list refresh, the same incremental/full choice. */
export async function syncOneSchoolRun(
  ctx: RunContext,
  district: DistrictRecord,
  school: SchoolRecord,
): Promise<DistrictSyncResult> {
  const started = Date.now();
  const logger = ctx.logger.child({ cleverDistrictId: district.cleverDistrictId, districtId: district.id });
  const warnings: string[] = [];
  let outcome: SchoolsOutcome = {
    schools: [],
    mode: { incrementalSchools: 0, fullSchools: 0, eventsApplied: 0 },
    eventsCursor: null,
  };
  let error: string | undefined;
  try {
    const api = ctx.deps.clever.forDistrict(district.cleverDistrictId);
    outcome = await syncSchools(
      ctx,
      api,
      [{ record: school, cleverSchoolId: school.cleverSchoolId, districtId: district.id }],
      logger,
      warnings,
    );
  } catch (caught) {
    error = describeError(caught);
    logger.error({ err: errorForLog(caught) }, 'school sync failed');
  }
  ctx.tracker.districtDone();
  return {
    districtId: district.id,
    cleverDistrictId: district.cleverDistrictId,
    status: districtStatus(error, outcome.schools, false),
    schoolChanges: sumCounts([]),
    schools: outcome.schools,
    counts: sumCounts(outcome.schools.map((s) => s.counts)),
    durationMs: Date.now() - started,
    eventsCursor: outcome.eventsCursor,
    mode: outcome.mode,
    ...(error ? { error } : {}),
    warnings,
  };
}
