/**
 * A full pull of one school: take its lease, open where its rows go (its database, provisioned on
 * its first sync; in a dry run the planning writer), read each roster stream page by page through
 * an EntityApplier, archive what Clever no longer lists (guarded), then record the outcome. Every
 * error is caught here: one school never stops the others.
 */
import type { CleverDistrictApi } from '../../clever/api/index.js';
import type {
  SchoolDatabaseProvider,
  SchoolDatabaseRef,
  SchoolRecord,
  SchoolRosterRepository,
  SessionRepository,
} from '../../db/index.js';
import type { RosterEntity, RosterRow, SyncCounts, SyncEntity } from '../../domain/index.js';
import { sumCounts, zeroCounts } from '../../domain/index.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../telemetry/index.js';
import type { SchoolPlan } from '../plan/school-plan.js';
import { describeError, errorForLog } from '../report/error-text.js';
import type { EntitySyncResult, SchoolSyncResult } from '../types.js';
import { type ClassRosterAccess, isNotShared } from './class-access.js';
import type { DistrictCatalog } from './class-catalog.js';
import { EntityApplier } from './entity-applier.js';
import { LinkApplier } from './link-applier.js';
import { prefetchOne } from './pages.js';
import type { Run } from './run.js';
import type { SchoolBook } from './school-book.js';
import {
  newPullContext,
  noteReferences,
  type PullContext,
  ROSTER_SOURCES,
  type RosterSource,
  type RosterStream,
} from './streams.js';
import { databaseWriter, emptyPlan, PlanningWriter, type RosterWriter } from './writers.js';

export interface SchoolPullDeps {
  api: CleverDistrictApi;
  databases: SchoolDatabaseProvider;
  schools: SessionRepository['schools'];
  book: SchoolBook;
  classAccess: ClassRosterAccess;
  catalog: DistrictCatalog;
}

/**
 * A school's record counts: its rosters' rows. Enrollments (section links) are reported beside
 * them, per entity, so a class of 30 does not read as 30 more records.
 */
export function recordCounts(entities: readonly EntitySyncResult[]): SyncCounts {
  return sumCounts(entities.filter((e) => e.entity !== 'enrollments').map((e) => e.counts));
}

type FullPlan = Extract<SchoolPlan, { kind: 'full' }>;

export async function pullSchool(
  run: Run,
  deps: SchoolPullDeps,
  plan: FullPlan,
  /** The events cursor this pull establishes (taken before it); null without Events access. */
  cursorAfter: string | null,
): Promise<SchoolSyncResult> {
  const { school } = plan;
  const record = school.record;
  const logger = run.logger.child({ schoolId: record?.id, cleverSchoolId: school.cleverSchoolId });
  const started = Date.now();
  const base = {
    schoolId: record?.id ?? null,
    cleverSchoolId: school.cleverSchoolId,
    districtId: school.districtId,
    syncType: 'Full' as const,
    reason: plan.reason,
  };

  const lease = await run.acquire(plan.leaseKey);
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

  logger.info({ reason: plan.reason }, 'school sync started');
  const entities: EntitySyncResult[] = [];
  try {
    const writer = await openWriter(run, deps, record);
    const context = newPullContext(deps.catalog);
    for (const source of ROSTER_SOURCES) {
      const streams = source.streams.filter((stream) => plan.entities.includes(stream.entity));
      if (streams.length === 0) continue;
      // The district does not share its classes: said once for the district, not per school.
      if (source.classRoster && deps.classAccess.refused) continue;
      const outcome = await pullSource(
        run,
        deps,
        writer,
        source,
        streams,
        school,
        cursorAfter,
        logger,
        context,
      );
      entities.push(...outcome.results);
      if (streams.some((stream) => stream.entity === 'sections'))
        context.sectionsPulled = outcome.results.every((result) => result.status !== 'Skipped');
      // Rows written before the failure stay counted (the school's result sums `entities`).
      if (outcome.failure !== undefined) throw outcome.failure;
    }
    const held = entities.filter((e) => e.status === 'Held');
    const warnings = entities.flatMap((e) => e.warnings);
    if (record) {
      // Rows were upserted but nothing archived: stay on full pulls until the archive is applied.
      if (held.length > 0) await deps.book.held(record, warnings, { stayFull: true });
      else await deps.book.succeeded(record, cursorAfter);
    }
    const counts = recordCounts(entities);
    const status = held.length > 0 ? 'Held' : 'Succeeded';
    const durationMs = Date.now() - started;
    logger.info({ status, durationMs, counts }, 'school sync finished');
    return {
      ...base,
      status,
      entities,
      counts,
      durationMs,
      warnings,
      ...(writer instanceof PlanningWriter ? { plan: schoolPlanOf(plan, writer, entities) } : {}),
    };
  } catch (error) {
    const message = describeError(error);
    logger.error(
      {
        err: errorForLog(error),
        durationMs: Date.now() - started,
        databaseFailure: isDatabaseFailure(error),
      },
      isDatabaseFailure(error) ? 'school sync failed: database connection failure' : 'school sync failed',
    );
    if (record) {
      // Failed before any roster started (e.g. the database was unreachable): still leave a trace.
      if (entities.length === 0) await recordFailedEntities(run, record, 'Full', message, plan.entities);
      await deps.book.failed(record, message);
    }
    return {
      ...base,
      status: 'Failed',
      entities,
      counts: recordCounts(entities),
      durationMs: Date.now() - started,
      error: message,
      warnings: entities.flatMap((e) => e.warnings),
    };
  } finally {
    await run.release(plan.leaseKey);
  }
}

/** One roster of a source being pulled. */
interface StreamPull {
  stream: RosterStream;
  applier: EntityApplier;
  pulled: number;
  lastModified: Date | null;
}

/**
 * The rosters one source fills, pulled in full: each page is read once and handed to every stream
 * of the source; a sections page also replaces those sections' links. A failure fails them all
 * (none may archive after an incomplete pull) and is returned with the counts so far; a 403 on a
 * class route is "not shared" (skipped, reported once for the district), not a failure.
 */
async function pullSource(
  run: Run,
  deps: SchoolPullDeps,
  writer: RosterWriter,
  source: RosterSource,
  streams: readonly RosterStream[],
  school: FullPlan['school'],
  cursorAfter: string | null,
  logger: Logger,
  context: PullContext,
): Promise<{ results: EntitySyncResult[]; failure?: unknown }> {
  const pulls: StreamPull[] = [];
  const startEntry = (entity: SyncEntity) =>
    run.history.start({
      districtId: school.districtId,
      schoolId: school.record?.id ?? null,
      entity,
      syncType: 'Full',
      eventCursor: cursorAfter,
    });
  let links: LinkApplier | undefined;
  const completeAll = async (status: EntitySyncResult['status'], error?: string) => [
    ...(await Promise.all(
      pulls.map((pull) => pull.applier.complete(status, error === undefined ? {} : { error })),
    )),
    ...(links ? [await links.complete(status, error === undefined ? {} : { error })] : []),
  ];
  try {
    // Started inside the try: should SessionDb fail between two starts, the rows already started
    // are completed as Failed, never left Running.
    for (const stream of streams) {
      const entry = await startEntry(stream.entity);
      pulls.push({
        stream,
        applier: new EntityApplier(run, writer, stream.entity, 'Full', entry, logger),
        pulled: 0,
        lastModified: null,
      });
    }
    if (streams.some((stream) => stream.entity === 'sections'))
      links = new LinkApplier(writer, 'Full', await startEntry('enrollments'), logger);
    for (const pull of pulls) await pull.applier.rememberActiveRows();
    for await (const page of prefetchOne(
      source.read(deps.api, school.cleverSchoolId, run.settings.pageSize, context),
    )) {
      for (const pull of pulls) {
        const prepared = pull.stream.prepare(page, school.cleverSchoolId);
        pull.applier.received(prepared.received);
        // Listed but unreadable: the record is still shared, so the last good row stays (never archived).
        await pull.applier.skipInvalid(prepared.invalid, true);
        await pull.applier.upsert(prepared.rows);
        if (links && prepared.links) await links.replace(prepared.links);
        for (const row of prepared.rows)
          if ('cleverCourseId' in row)
            noteReferences(context.referenced, row.cleverCourseId, row.cleverTermId);
        pull.pulled += prepared.rows.length;
        pull.lastModified = newestModified(pull.lastModified, prepared.rows);
        run.tracker.records(prepared.received);
      }
    }
  } catch (error) {
    if (source.classRoster && isNotShared(error)) {
      deps.classAccess.refuse();
      return { results: await completeAll('Skipped') };
    }
    return { results: await completeAll('Failed', describeError(error)), failure: error };
  }
  // The pull completed without error: now (and only now) absent rows may be archived.
  const results: EntitySyncResult[] = [];
  let failure: unknown;
  for (const pull of pulls) {
    const { applier } = pull;
    if (failure !== undefined) {
      results.push(await applier.complete('Failed', { error: describeError(failure) }));
      continue;
    }
    try {
      await applier.archiveUnseen(pull.pulled);
      const purgeBefore = run.options.purgeInactiveBefore;
      if (!applier.held && purgeBefore !== null)
        await applier.purgeInactive(purgeBefore === 'run-end' ? run.now() : purgeBefore);
      // A dry run reports what the guard would do in its plan (wouldHold); it held nothing back.
      const status = applier.held && writer.writes ? 'Held' : 'Succeeded';
      results.push(
        await applier.complete(status, { eventCursor: cursorAfter, lastSyncTimestamp: pull.lastModified }),
      );
    } catch (error) {
      failure = error;
      results.push(await applier.complete('Failed', { error: describeError(error) }));
    }
  }
  if (links) {
    if (failure !== undefined)
      results.push(await links.complete('Failed', { error: describeError(failure) }));
    else {
      try {
        // Students and teachers archived earlier in this pull, and sections just archived.
        await links.prune();
        results.push(await links.complete('Succeeded', { eventCursor: cursorAfter }));
      } catch (error) {
        failure = error;
        results.push(await links.complete('Failed', { error: describeError(error) }));
      }
    }
  }
  return failure === undefined ? { results } : { results, failure };
}

function newestModified(current: Date | null, rows: readonly RosterRow<RosterEntity>[]): Date | null {
  let newest = current;
  for (const row of rows) {
    const modified = 'cleverLastModified' in row ? row.cleverLastModified : null;
    if (modified && (!newest || modified > newest)) newest = modified;
  }
  return newest;
}

/**
 * Where the school's rows go. A real run writes to its database, provisioned first when the school
 * never synced; a dry run plans against it, or against nothing when it has no database yet.
 */
async function openWriter(
  run: Run,
  deps: Pick<SchoolPullDeps, 'databases' | 'schools'>,
  record: SchoolRecord | null,
): Promise<RosterWriter> {
  if (run.options.dryRun) {
    const noDatabase = !record || (record.lastSuccessfulSyncAt === null && record.databaseName === null);
    return new PlanningWriter(noDatabase ? null : await deps.databases.forSchool(refOf(record)));
  }
  if (!record) throw new Error('a school SessionDb does not know is only ever planned');
  return databaseWriter(await openSchoolDatabase(run, deps, record));
}

export async function openSchoolDatabase(
  run: Run,
  deps: Pick<SchoolPullDeps, 'databases' | 'schools'>,
  record: SchoolRecord,
): Promise<SchoolRosterRepository> {
  return deps.databases.forSchool(await provisionIfNeverSynced(run, deps, record));
}

/**
 * A school that never synced gets its database provisioned (where the provider can create
 * databases; elsewhere this only migrates) and SessionDb records the database name. Provisioning
 * is idempotent, so the school-list refresh of a queued run and the school's own sync may both
 * call this. Returns where the school's roster lives.
 */
export async function provisionIfNeverSynced(
  run: Pick<Run, 'logger'>,
  deps: Pick<SchoolPullDeps, 'databases' | 'schools'>,
  record: SchoolRecord,
): Promise<SchoolDatabaseRef> {
  const ref = refOf(record);
  if (record.lastSuccessfulSyncAt !== null) return ref;
  const provisioned = await deps.databases.provision(ref);
  if (provisioned.databaseName !== record.databaseName) {
    await deps.schools.setDatabase(record.id, {
      databaseName: provisioned.databaseName,
      connectionSecretName: record.connectionSecretName,
    });
    ref.databaseName = provisioned.databaseName;
  }
  if (provisioned.created) run.logger.info({ schoolId: record.id }, 'provisioned school database');
  return ref;
}

export function refOf(record: SchoolRecord): SchoolDatabaseRef {
  return {
    id: record.id,
    cleverSchoolId: record.cleverSchoolId,
    connectionSecretName: record.connectionSecretName,
    databaseName: record.databaseName,
  };
}

/** Failed SyncHistory rows for a school whose sync failed before its rosters started. */
export async function recordFailedEntities(
  run: Run,
  record: SchoolRecord,
  syncType: 'Full' | 'Incremental',
  message: string,
  entities: FullPlan['entities'],
): Promise<void> {
  for (const entity of entities) {
    try {
      const entry = await run.history.start({
        districtId: record.districtId,
        schoolId: record.id,
        entity,
        syncType,
      });
      await entry.complete({ status: 'Failed', counts: zeroCounts(), errorSummary: message });
    } catch (error) {
      run.logger.warn(
        { schoolId: record.id, err: errorForLog(error) },
        'could not record the failure in SyncHistory',
      );
    }
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

/** A dry run's per-school plan, from what the planning writer saw and the guard decided. */
function schoolPlanOf(plan: FullPlan, writer: PlanningWriter, entities: EntitySyncResult[]) {
  const entityPlan = (entity: RosterEntity) => {
    const result = entities.find((e) => e.entity === entity);
    if (!result) return emptyPlan();
    const planned = { ...writer.planOf(entity), invalid: result.counts.invalid };
    return result.holdReason === undefined
      ? planned
      : { ...planned, wouldHold: true, holdReason: result.holdReason };
  };
  return {
    schoolId: plan.school.record?.id ?? null,
    cleverSchoolId: plan.school.cleverSchoolId,
    newSchool: plan.school.record === null,
    students: entityPlan('students'),
    teachers: entityPlan('teachers'),
    sections: entityPlan('sections'),
    courses: entityPlan('courses'),
    terms: entityPlan('terms'),
    enrollments: writer.linkPlan(),
  };
}
