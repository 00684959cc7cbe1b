/**
 * One school's pull-based sync (full, last-modified compare, or dry-run plan): take the school's
 * lease, provision its database when it is new, sync students then teachers, and record the
 * outcome on the school (success resets the failure streak; a failure extends it and may alert).
 * Every error is caught here: one school never stops the others.
 */

import type { CleverDistrictApi } from '../clever/api/types.js';
import type { SchoolDatabaseRef, SchoolRecord, SchoolRosterRepository } from '../db/types.js';
import type { RosterEntity, SyncCounts, SyncType } from '../domain/index.js';
import { addCounts, zeroCounts } from '../domain/index.js';
import { AppError } from '../errors.js';
import { archiveHeldAlert, emitAlert, schoolFailingAlert } from './alerts.js';
import type { RunContext } from './context.js';
import { type EntityMode, emptyPlan, syncEntity } from './entity-sync.js';
import { describeError, errorForLog } from './error-text.js';
import { ROSTER_ENTITIES } from './events.js';
import { leaseKeys } from './leases.js';
import type { EntitySyncResult, SchoolSyncResult } from './types.js';

/** Clever and our clock may disagree a little; the compare watermark leans early by this much. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface SchoolTarget {
  /** The SessionDb row; null for a school a dry run found that SessionDb does not know yet. */
  record: SchoolRecord | null;
  cleverSchoolId: string;
  districtId: number | null;
}

export interface SchoolRosterInput {
  ctx: RunContext;
  api: CleverDistrictApi;
  school: SchoolTarget;
  mode: EntityMode;
  reason: string;
  /** The event cursor this sync establishes (taken before the pull); null without Events access. */
  cursorAfter: string | null;
}

export async function syncSchoolRoster(input: SchoolRosterInput): Promise<SchoolSyncResult> {
  const { ctx, api, school, mode } = input;
  const record = school.record;
  const dryRun = mode === 'plan';
  const logger = ctx.logger.child({ schoolId: record?.id, cleverSchoolId: school.cleverSchoolId });
  const started = Date.now();
  const base = {
    schoolId: record?.id ?? null,
    cleverSchoolId: school.cleverSchoolId,
    districtId: school.districtId,
    syncType: mode === 'compare' ? ('Reconciliation' as const) : ('Full' as const),
    reason: input.reason,
  };

  if (!dryRun && record) {
    const lease = await ctx.leases.acquire(leaseKeys.school(record.id));
    if (!lease.acquired) {
      logger.info({ runningRunId: lease.runningRunId }, 'school skipped: another run is syncing it');
      return {
        ...base,
        status: 'Skipped',
        entities: [],
        counts: zeroCounts(),
        durationMs: Date.now() - started,
        warnings: [`already being synced by run ${lease.runningRunId}`],
        runningRunId: lease.runningRunId,
      };
    }
  }

  logger.info({ mode, reason: input.reason }, 'school sync started');
  const entities: EntitySyncResult[] = [];
  let entityStarted = false;
  try {
    const roster = await openRoster(ctx, record, dryRun);
    for (const entity of ROSTER_ENTITIES) {
      entityStarted = true;
      const since = mode === 'compare' && record ? await watermark(ctx, record.id, entity) : null;
      const outcome = await syncEntity({
        ctx,
        api,
        school: {
          id: record?.id ?? null,
          districtId: school.districtId,
          cleverSchoolId: school.cleverSchoolId,
        },
        roster,
        entity,
        mode,
        since,
        eventCursor: input.cursorAfter,
        logger,
      });
      const { lastModified: _ignored, failure, ...result } = outcome;
      entities.push(result);
      // Rows written before the failure stay counted (the school's result sums `entities`).
      if (result.status === 'Failed') throw failure;
    }
    const counts = sumEntityCounts(entities);
    const held = entities.some((e) => e.status === 'Held');
    const warnings = entities.flatMap((e) => e.warnings);
    if (!dryRun && record) {
      if (held) {
        // Rows were upserted but nothing archived: stay on full syncs until the archive is applied.
        await ctx.deps.session.schools.setRequiresFullSync(record.id, true);
        await emitAlert(
          logger,
          ctx.deps.alerts,
          archiveHeldAlert({
            runId: ctx.runId,
            districtId: record.districtId,
            schoolId: record.id,
            cleverSchoolId: record.cleverSchoolId,
            reasons: warnings,
          }),
        );
      } else {
        await ctx.deps.session.schools.setEventsCursor(record.id, input.cursorAfter);
        await ctx.deps.session.schools.recordSuccess(record.id, ctx.now());
      }
    }
    const durationMs = Date.now() - started;
    logger.info({ mode, status: held ? 'Held' : 'Succeeded', durationMs, counts }, 'school sync finished');
    return {
      ...base,
      status: held ? 'Held' : 'Succeeded',
      entities,
      counts,
      durationMs,
      warnings,
      ...(dryRun
        ? {
            plan: {
              schoolId: record?.id ?? null,
              cleverSchoolId: school.cleverSchoolId,
              newSchool: record === null,
              students: entities.find((e) => e.entity === 'students')?.plan ?? emptyPlan(),
              teachers: entities.find((e) => e.entity === 'teachers')?.plan ?? emptyPlan(),
            },
          }
        : {}),
    };
  } catch (error) {
    const message = describeError(error);
    const counts = sumEntityCounts(entities);
    logger.error(
      {
        err: errorForLog(error),
        durationMs: Date.now() - started,
        databaseFailure: isDatabaseFailure(error),
      },
      isDatabaseFailure(error) ? 'school sync failed: database connection failure' : 'school sync failed',
    );
    if (!dryRun && record) {
      // Failed before any entity started (e.g. the database was unreachable): still leave a trace.
      if (entities.length === 0 && !entityStarted)
        await recordFailedEntities(ctx, record, base.syncType, message);
      await recordFailure(ctx, record, message);
    }
    return {
      ...base,
      status: 'Failed',
      entities,
      counts,
      durationMs: Date.now() - started,
      error: message,
      warnings: entities.flatMap((e) => e.warnings),
    };
  } finally {
    if (!dryRun && record) await ctx.leases.release(leaseKeys.school(record.id));
  }
}

export function isDatabaseFailure(error: unknown): boolean {
  return (
    error instanceof AppError &&
    (error.code === 'DATABASE_UNAVAILABLE' ||
      error.code === 'DATABASE_ERROR' ||
      error.code === 'DATABASE_NOT_MIGRATED')
  );
}

/** Extends the school's failure streak; from the configured streak on, every failure alerts. */
export async function recordFailure(ctx: RunContext, record: SchoolRecord, message: string): Promise<void> {
  try {
    const failures = await ctx.deps.session.schools.recordFailure(record.id);
    if (failures >= ctx.settings.alertAfterFailures) {
      await emitAlert(
        ctx.logger,
        ctx.deps.alerts,
        schoolFailingAlert({
          runId: ctx.runId,
          districtId: record.districtId,
          schoolId: record.id,
          cleverSchoolId: record.cleverSchoolId,
          consecutiveFailures: failures,
          error: message,
        }),
      );
    }
  } catch (error) {
    ctx.logger.error({ schoolId: record.id, err: errorForLog(error) }, 'could not record school failure');
  }
}

/** Failed SyncHistory rows for a school whose sync failed before its entities started. */
export async function recordFailedEntities(
  ctx: RunContext,
  record: SchoolRecord,
  syncType: SyncType,
  message: string,
): Promise<void> {
  for (const entity of ROSTER_ENTITIES) {
    try {
      const entry = await ctx.history.start({
        districtId: record.districtId,
        schoolId: record.id,
        entity,
        syncType,
      });
      await entry.complete({ status: 'Failed', counts: zeroCounts(), errorSummary: message });
    } catch (error) {
      ctx.logger.warn(
        { schoolId: record.id, err: errorForLog(error) },
        'could not record the failure in SyncHistory',
      );
    }
  }
}

/**
 * The school's database. A school that never synced gets its database provisioned first; a dry
 * run never creates anything, so a school without a database plans against an empty roster.
 */
async function openRoster(
  ctx: RunContext,
  record: SchoolRecord | null,
  dryRun: boolean,
): Promise<SchoolRosterRepository | null> {
  if (!record) return null;
  if (dryRun) {
    const neverSynced = record.lastSuccessfulSyncAt === null;
    return neverSynced && record.databaseName === null
      ? null
      : ctx.deps.schoolDatabases.forSchool(refOf(record));
  }
  return ctx.deps.schoolDatabases.forSchool(await provisionIfNeverSynced(ctx, record));
}

/**
 * A school that never synced gets its database provisioned (where the provider can create
 * databases; elsewhere this only migrates) and SessionDb records the database name. Provisioning
 * is idempotent, so the school-list refresh of a queued run and the school's own sync may both
 * call this. Returns where the school's roster lives.
 */
export async function provisionIfNeverSynced(
  ctx: RunContext,
  record: SchoolRecord,
): Promise<SchoolDatabaseRef> {
  const ref = refOf(record);
  if (record.lastSuccessfulSyncAt !== null) return ref;
  const provisioned = await ctx.deps.schoolDatabases.provision(ref);
  if (provisioned.databaseName !== record.databaseName) {
    await ctx.deps.session.schools.setDatabase(record.id, {
      databaseName: provisioned.databaseName,
      connectionSecretName: record.connectionSecretName,
    });
    ref.databaseName = provisioned.databaseName;
  }
  if (provisioned.created) ctx.logger.info({ schoolId: record.id }, 'provisioned school database');
  return ref;
}

function refOf(record: SchoolRecord): SchoolDatabaseRef {
  return {
    id: record.id,
    cleverSchoolId: record.cleverSchoolId,
    connectionSecretName: record.connectionSecretName,
    databaseName: record.databaseName,
  };
}

/**
 * Compare mode skips rows not modified since the previous successful pull. The watermark is the
 * newest last_modified that pull saw, but never later than its start (minus clock skew), so an
 * edit made while it ran is not mistaken for an old one.
 */
async function watermark(ctx: RunContext, schoolId: number, entity: RosterEntity): Promise<Date | null> {
  const last = await ctx.deps.session.history.lastSuccessful(schoolId, entity);
  if (!last || last.syncType === 'Incremental' || !last.lastSyncTimestamp) return null;
  const startBound = new Date(last.startedAt.getTime() - CLOCK_SKEW_MS);
  return last.lastSyncTimestamp < startBound ? last.lastSyncTimestamp : startBound;
}

function sumEntityCounts(entities: readonly EntitySyncResult[]): SyncCounts {
  const counts = zeroCounts();
  for (const e of entities) addCounts(counts, e.counts);
  return counts;
}
