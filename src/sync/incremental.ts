/**
 * The incremental pass of a district: read the district's events once, from the oldest cursor of
 * the schools taking part, and apply each page to every affected school database. A school's
 * cursor moves to the page's last event only after that page is committed in its database, so a
 * crash or a failing school re-applies (idempotently) from where it stood. Events at or before a
 * school's own cursor are skipped for that school. Requests: one per page of events, whatever
 * the number of schools.
 *
 * Archives driven by events pass the mass-archive guard like a full sync's: a school's archives are
 * collected (ids only, bounded by its roster) and applied when its events end; while any are
 * pending the school's cursor stays before them. When they would pass the guard's share, the school
 * is Held: nothing is archived, its cursor stays before the held changes (the next run meets them
 * again) and an alert is raised, until a run with `force` applies them.
 */

import type { CleverDistrictApi, CleverEvent } from '../clever/api/types.js';
import type { SchoolRecord, SchoolRosterRepository } from '../db/types.js';
import type { RosterEntity, RosterRow, SyncCounts } from '../domain/index.js';
import { addCounts, zeroCounts } from '../domain/index.js';
import { AppError } from '../errors.js';
import type { Logger } from '../telemetry/index.js';
import { archiveHeldAlert, emitAlert } from './alerts.js';
import { checkArchiveGuard } from './archive-guard.js';
import type { RunContext } from './context.js';
import { describeError, errorForLog } from './error-text.js';
import {
  compareEventIds,
  foldEvents,
  oldestCursor,
  ROSTER_ENTITIES,
  type RosterOp,
  type SchoolOps,
  startingAfter,
} from './events.js';
import type { HistoryEntry } from './history.js';
import { leaseKeys } from './leases.js';
import { chunks, prefetchOne } from './pages.js';
import { isDatabaseFailure, recordFailedEntities, recordFailure } from './school-sync.js';
import type { EntitySyncResult, SchoolSyncResult } from './types.js';

export interface IncrementalOutcome {
  results: SchoolSyncResult[];
  /** Schools that need a full sync in this run because Clever rejected the cursor. */
  fallback: SchoolRecord[];
  fallbackReason?: string;
  /** Newest event applied (null when there were none). */
  lastEventId: string | null;
  eventsApplied: number;
}

interface SchoolState {
  record: SchoolRecord;
  roster: SchoolRosterRepository;
  /** Where the school's database stands: every event up to here is applied. */
  cursor: string;
  counts: Record<RosterEntity, SyncCounts>;
  unchanged: Record<RosterEntity, number>;
  history: Partial<Record<RosterEntity, HistoryEntry>>;
  /** Archives the events asked for, applied when the school's events end (unless held). */
  pendingArchives: Record<RosterEntity, Set<string>>;
  /** Active rows when the school's first archive arrived (the guard's denominator). */
  activeBefore: Partial<Record<RosterEntity, number>>;
  /** The guard's reason, per entity, when it held this school's archives. */
  held: Partial<Record<RosterEntity, string>>;
  error?: string;
  started: number;
  logger: Logger;
}

/** Archive ids applied per statement. */
const ARCHIVE_CHUNK = 1_000;

/**
 * Whether Clever refused the events request itself (cursor unknown or past retention, Events not
 * enabled for the app): a full sync is the documented way out. Transient failures are not that.
 */
export function isEventsRefusal(error: unknown): boolean {
  if (!(error instanceof AppError) || error.transient) return false;
  const status = typeof error.details.status === 'number' ? error.details.status : undefined;
  return (
    error.code === 'CLEVER_NOT_FOUND' ||
    (status !== undefined && [400, 403, 404, 410, 422, 501].includes(status))
  );
}

export async function runIncrementalPass(
  ctx: RunContext,
  api: CleverDistrictApi,
  schools: readonly SchoolRecord[],
): Promise<IncrementalOutcome> {
  const results: SchoolSyncResult[] = [];
  const states = new Map<string, SchoolState>();
  const fail = async (state: SchoolState, error: unknown): Promise<void> => {
    if (state.error) return;
    state.error = describeError(error);
    state.logger.error(
      { err: errorForLog(error), databaseFailure: isDatabaseFailure(error) },
      isDatabaseFailure(error)
        ? 'incremental sync failed: database connection failure'
        : 'incremental sync failed',
    );
  };

  try {
    for (const record of schools) {
      const logger = ctx.logger.child({ schoolId: record.id, cleverSchoolId: record.cleverSchoolId });
      const lease = await ctx.leases.acquire(leaseKeys.school(record.id));
      if (!lease.acquired) {
        logger.info({ runningRunId: lease.runningRunId }, 'school skipped: another run is syncing it');
        results.push(skipped(record, lease.runningRunId));
        continue;
      }
      try {
        const roster = await ctx.deps.schoolDatabases.forSchool({
          id: record.id,
          cleverSchoolId: record.cleverSchoolId,
          connectionSecretName: record.connectionSecretName,
          databaseName: record.databaseName,
        });
        states.set(record.cleverSchoolId, {
          record,
          roster,
          cursor: record.eventsCursor!,
          counts: { students: zeroCounts(), teachers: zeroCounts() },
          unchanged: { students: 0, teachers: 0 },
          history: {},
          pendingArchives: { students: new Set(), teachers: new Set() },
          activeBefore: {},
          held: {},
          started: Date.now(),
          logger,
        });
      } catch (error) {
        const message = describeError(error);
        logger.error(
          { err: errorForLog(error), databaseFailure: isDatabaseFailure(error) },
          'could not open school database',
        );
        await recordFailedEntities(ctx, record, 'Incremental', message);
        await recordFailure(ctx, record, message);
        results.push(failedWithoutWork(record, message));
        await ctx.leases.release(leaseKeys.school(record.id));
      }
    }
    if (states.size === 0) return { results, fallback: [], lastEventId: null, eventsApplied: 0 };

    const from = oldestCursor([...states.values()].map((s) => s.cursor))!;
    const pages = prefetchOne(
      api.getEvents({
        startingAfter: startingAfter(from),
        recordTypes: ['users'],
        pageSize: ctx.settings.pageSize,
      }),
    )[Symbol.asyncIterator]();

    // Peek before recording anything: a refused cursor means these schools go full instead.
    let first: IteratorResult<CleverEvent[]>;
    try {
      first = await pages.next();
    } catch (error) {
      if (isEventsRefusal(error)) {
        const reason = `Clever refused the events request (${describeError(error)}): falling back to a full sync`;
        ctx.logger.warn({ err: errorForLog(error) }, 'events cursor refused; falling back to full sync');
        for (const state of states.values()) await ctx.leases.release(leaseKeys.school(state.record.id));
        const fallback = [...states.values()].map((s) => s.record);
        states.clear();
        return { results, fallback, fallbackReason: reason, lastEventId: null, eventsApplied: 0 };
      }
      for (const state of states.values()) await fail(state, error);
      first = { done: true, value: undefined };
    }

    for (const state of states.values()) {
      for (const entity of ROSTER_ENTITIES) {
        state.history[entity] = await ctx.history.start({
          districtId: state.record.districtId,
          schoolId: state.record.id,
          entity,
          syncType: 'Incremental',
          eventCursor: state.cursor,
        });
      }
    }

    let lastEventId: string | null = null;
    let eventsApplied = 0;
    try {
      for (let step = first; !step.done; step = await pages.next()) {
        const page = step.value;
        if (page.length === 0) continue;
        const pageLast = page[page.length - 1]!.id;
        await applyPage(ctx, states, page, pageLast, fail);
        lastEventId = pageLast;
        eventsApplied += page.length;
        ctx.tracker.records(page.length);
      }
    } catch (error) {
      // Clever failed mid-stream: committed pages stay applied (cursors say so); the rest waits.
      for (const state of states.values()) await fail(state, error);
    }

    for (const state of states.values()) results.push(await finish(ctx, state, lastEventId));
    return { results, fallback: [], lastEventId, eventsApplied };
  } finally {
    for (const state of states.values()) await ctx.leases.release(leaseKeys.school(state.record.id));
  }
}

async function applyPage(
  ctx: RunContext,
  states: Map<string, SchoolState>,
  page: readonly CleverEvent[],
  pageLast: string,
  fail: (state: SchoolState, error: unknown) => Promise<void>,
): Promise<void> {
  const cursors = new Map<string, string>();
  for (const [schoolId, state] of states) if (isApplying(state)) cursors.set(schoolId, state.cursor);
  const fold = foldEvents(page, cursors);
  if (fold.unreadable > 0)
    ctx.logger.warn({ unreadable: fold.unreadable }, 'skipped user events without a readable record');

  await Promise.all(
    [...fold.bySchool].map(([schoolId, ops]) =>
      ctx.limiter(async () => {
        const state = states.get(schoolId);
        if (!state || !isApplying(state)) return;
        try {
          await applyOps(ctx, state, ops);
          // Committed, and no archive waits for the guard: only now may the cursor pass the page.
          if (isApplying(state) && !hasPendingArchives(state)) {
            await ctx.deps.session.schools.setEventsCursor(state.record.id, pageLast);
            state.cursor = pageLast;
          }
        } catch (error) {
          await fail(state, error);
        }
      }),
    ),
  );
}

async function applyOps(ctx: RunContext, state: SchoolState, ops: SchoolOps): Promise<void> {
  const at = ctx.now();
  for (const entity of ROSTER_ENTITIES) {
    const counts = state.counts[entity];
    const invalid = ops.invalid[entity];
    if (invalid.length > 0) {
      counts.invalid += invalid.length;
      counts.processed += invalid.length;
      state.logger.warn(
        { entity, invalidCount: invalid.length, invalid: invalid.slice(0, 20) },
        'skipped Clever records that miss required fields',
      );
    }
    const { upserts, archives } = entity === 'students' ? splitOps(ops.students) : splitOps(ops.teachers);
    if (upserts.length > 0) {
      try {
        const result = await state.roster.upsert(entity, upserts, ctx.runId);
        addCounts(counts, {
          processed: upserts.length,
          created: result.created,
          updated: result.updated,
          restored: result.restored,
        });
        state.unchanged[entity] += result.unchanged;
      } catch (error) {
        counts.failed += upserts.length;
        throw error;
      }
      // A user archived by an earlier page and back in this one stays: the later event wins.
      for (const row of upserts) state.pendingArchives[entity].delete(row.cleverId);
    }
    if (archives.length > 0) {
      counts.processed += archives.length;
      if (ctx.options.force) counts.archived += await state.roster.archiveByCleverIds(entity, archives, at);
      else await holdOrCollect(ctx, state, entity, archives);
    }
  }
}

/** Adds archives to the school's pending set, holding the school when the guard says so. */
async function holdOrCollect(
  ctx: RunContext,
  state: SchoolState,
  entity: RosterEntity,
  archives: readonly string[],
): Promise<void> {
  const pending = state.pendingArchives[entity];
  for (const id of archives) pending.add(id);
  state.activeBefore[entity] ??= await state.roster.countActive(entity);
  const guard = checkArchiveGuard({
    activeBefore: state.activeBefore[entity],
    wouldArchive: pending.size,
    fraction: ctx.settings.archiveGuardFraction,
    minRows: ctx.settings.archiveGuardMinRows,
    force: false,
  });
  if (!guard.hold) return;
  state.held[entity] = `${entity}: events ${guard.reason}`;
  state.logger.warn(
    { entity, activeBefore: state.activeBefore[entity], wouldArchive: pending.size },
    `mass-archive guard (events): ${guard.reason}`,
  );
  // Nothing of this school is archived in this run: its later events wait with the held ones.
  for (const set of Object.values(state.pendingArchives)) set.clear();
}

function isHeld(state: SchoolState): boolean {
  return Object.keys(state.held).length > 0;
}

/** Still taking events: neither failed nor held. */
function isApplying(state: SchoolState): boolean {
  return !state.error && !isHeld(state);
}

function hasPendingArchives(state: SchoolState): boolean {
  return ROSTER_ENTITIES.some((entity) => state.pendingArchives[entity].size > 0);
}

/** Applies the archives the school's events asked for, once they all passed the guard. */
async function applyPendingArchives(ctx: RunContext, state: SchoolState): Promise<void> {
  const at = ctx.now();
  for (const entity of ROSTER_ENTITIES) {
    const pending = state.pendingArchives[entity];
    for (const ids of chunks([...pending], ARCHIVE_CHUNK)) {
      state.counts[entity].archived += await state.roster.archiveByCleverIds(entity, ids, at);
    }
    pending.clear();
  }
}

async function finish(
  ctx: RunContext,
  state: SchoolState,
  lastEventId: string | null,
): Promise<SchoolSyncResult> {
  const { record } = state;
  try {
    if (isApplying(state)) {
      await applyPendingArchives(ctx, state);
      // Schools no event touched have seen everything up to the last event too.
      if (lastEventId && compareEventIds(lastEventId, state.cursor) > 0) {
        await ctx.deps.session.schools.setEventsCursor(record.id, lastEventId);
        state.cursor = lastEventId;
      }
      await ctx.deps.session.schools.recordSuccess(record.id, ctx.now());
    }
  } catch (error) {
    state.error = describeError(error);
  }
  const status = (entity?: RosterEntity): 'Failed' | 'Held' | 'Succeeded' => {
    if (state.error) return 'Failed';
    if (entity ? state.held[entity] : isHeld(state)) return 'Held';
    return 'Succeeded';
  };
  const warnings = Object.values(state.held);
  const entities: EntitySyncResult[] = ROSTER_ENTITIES.map((entity) => ({
    entity,
    syncType: 'Incremental',
    status: status(entity),
    counts: state.counts[entity],
    unchanged: state.unchanged[entity],
    warnings: state.held[entity] ? [state.held[entity]] : [],
    ...(state.error ? { error: state.error } : {}),
  }));
  for (const entity of ROSTER_ENTITIES) {
    await state.history[entity]
      ?.complete({
        status: status(entity),
        counts: state.counts[entity],
        eventCursor: state.cursor,
        errorSummary: state.error ?? null,
        warnings: entities.find((e) => e.entity === entity)?.warnings ?? [],
      })
      .catch((error) => state.logger.warn({ err: errorForLog(error) }, 'could not complete history row'));
  }
  if (state.error) await recordFailure(ctx, record, state.error);
  else if (isHeld(state)) {
    await emitAlert(
      state.logger,
      ctx.deps.alerts,
      archiveHeldAlert({
        runId: ctx.runId,
        districtId: record.districtId,
        schoolId: record.id,
        cleverSchoolId: record.cleverSchoolId,
        reasons: warnings,
      }),
    );
  }
  const counts = zeroCounts();
  for (const entity of ROSTER_ENTITIES) addCounts(counts, state.counts[entity]);
  const durationMs = Date.now() - state.started;
  state.logger.info(
    { mode: 'incremental', status: status(), durationMs, counts, eventsCursor: state.cursor },
    'school sync finished',
  );
  return {
    schoolId: record.id,
    cleverSchoolId: record.cleverSchoolId,
    districtId: record.districtId,
    status: status(),
    syncType: 'Incremental',
    entities,
    counts,
    durationMs,
    warnings,
    ...(state.error ? { error: state.error } : {}),
  };
}

function splitOps<E extends RosterEntity>(
  ops: Map<string, RosterOp<E>>,
): { upserts: RosterRow<E>[]; archives: string[] } {
  const upserts: RosterRow<E>[] = [];
  const archives: string[] = [];
  for (const [id, op] of ops) {
    if (op.kind === 'upsert') upserts.push(op.row);
    else archives.push(id);
  }
  return { upserts, archives };
}

function skipped(record: SchoolRecord, runningRunId: string): SchoolSyncResult {
  return {
    schoolId: record.id,
    cleverSchoolId: record.cleverSchoolId,
    districtId: record.districtId,
    status: 'Skipped',
    syncType: 'Incremental',
    entities: [],
    counts: zeroCounts(),
    durationMs: 0,
    warnings: [`already being synced by run ${runningRunId}`],
    runningRunId,
  };
}

function failedWithoutWork(record: SchoolRecord, error: string): SchoolSyncResult {
  return {
    schoolId: record.id,
    cleverSchoolId: record.cleverSchoolId,
    districtId: record.districtId,
    status: 'Failed',
    syncType: 'Incremental',
    entities: [],
    counts: zeroCounts(),
    durationMs: 0,
    error,
    warnings: [],
  };
}
