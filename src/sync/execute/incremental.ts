/**
 * The incremental pass of a district: Clever's events are read once, from the oldest cursor of the
 * schools taking part, and each page is folded into per-school operations. Only the schools a page
 * touches are opened (leased, their database opened, their SyncHistory started: once each, as they
 * are first touched, concurrently within the run's school limit); a school's cursor moves to the
 * page's last event only after the page is committed in its database, so a crash or a failing
 * school re-applies (idempotently) from where it stood. Schools no event touched are not opened at
 * all: their cursors move and their success is recorded in one batched write at the end.
 *
 * Archives pass the mass-archive guard (EntityApplier): while a school has archives waiting its
 * cursor stays before them; past the guard's share the school is Held until a run with `force`.
 */
import type { CleverDistrictApi, CleverEvent } from '../../clever/api/index.js';
import type { SchoolDatabaseProvider, SchoolRecord, SessionRepository } from '../../db/index.js';
import type { LinkKind, RosterEntity, RosterRow, SectionMembers, SyncEntity } from '../../domain/index.js';
import { LINK_KINDS, zeroCounts } from '../../domain/index.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../telemetry/index.js';
import { runIdOfHolder } from '../leases.js';
import { compareEventIds, oldestCursor, startingAfter } from '../plan/events-cursor.js';
import type { SchoolPlan } from '../plan/school-plan.js';
import { describeError, errorForLog } from '../report/error-text.js';
import type { EntitySyncResult, SchoolSyncResult } from '../types.js';
import { type ClassRosterAccess, isNotShared } from './class-access.js';
import type { DistrictCatalog } from './class-catalog.js';
import { EntityApplier } from './entity-applier.js';
import { type EntityOps, eventRecordTypes, foldEvents, type SchoolOps } from './events.js';
import { LinkApplier } from './link-applier.js';
import { prefetchOne } from './pages.js';
import type { Run } from './run.js';
import type { SchoolBook } from './school-book.js';
import { isDatabaseFailure, openSchoolDatabase, recordCounts, recordFailedEntities } from './school-pull.js';
import { catalogueBatch, noteReferences, type PullContext } from './streams.js';
import { databaseWriter, type RosterWriter } from './writers.js';

type IncrementalPlan = Extract<SchoolPlan, { kind: 'incremental' }>;

export interface IncrementalDeps {
  api: CleverDistrictApi;
  databases: SchoolDatabaseProvider;
  schools: SessionRepository['schools'];
  leases: Pick<SessionRepository['leases'], 'holders'>;
  book: SchoolBook;
  classAccess: ClassRosterAccess;
  catalog: DistrictCatalog;
}

export interface IncrementalOutcome {
  results: SchoolSyncResult[];
  /** Schools that need a full pull in this run because Clever refused the cursor. */
  fallback: IncrementalPlan[];
  fallbackReason?: string;
  /** Newest event applied (null when there were none). */
  lastEventId: string | null;
  eventsApplied: number;
}

/** A school some event touched: leased, opened and applied once, page after page. */
interface TouchedSchool {
  plan: IncrementalPlan;
  record: SchoolRecord;
  logger: Logger;
  started: number;
  /** Where its database stands: every event up to here is applied. */
  cursor: string;
  appliers: Map<RosterEntity, EntityApplier>;
  /** The school's section links, when sections sync. */
  links?: LinkApplier;
  writer: RosterWriter;
  /** Courses and terms that sections upserted in this pass use (fetched if missing). */
  referenced: PullContext['referenced'];
  /** Some section of the school was upserted or archived in this pass. */
  sectionsChanged: boolean;
  error?: string;
}

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
  run: Run,
  deps: IncrementalDeps,
  plans: readonly IncrementalPlan[],
  /** A run shared by processes is totalled from SyncHistory: then untouched schools leave rows too. */
  recordUntouched: boolean,
): Promise<IncrementalOutcome> {
  const waiting = new Map(plans.map((plan) => [plan.school.cleverSchoolId, plan]));
  const touched = new Map<string, TouchedSchool>();
  const results: SchoolSyncResult[] = [];
  const done = (result: SchoolSyncResult) => {
    results.push(result);
    run.tracker.schoolFinished(result);
  };
  const from = oldestCursor(plans.map((plan) => plan.cursor));
  if (from === undefined) return { results, fallback: [], lastEventId: null, eventsApplied: 0 };
  const entities = [...new Set(plans.flatMap((plan) => plan.entities))];

  const pages = prefetchOne(
    deps.api.getEvents({
      startingAfter: startingAfter(from),
      recordTypes: eventRecordTypes(entities),
      pageSize: run.settings.pageSize,
    }),
  )[Symbol.asyncIterator]();

  // Peek before anything is taken or recorded: a refused cursor means these schools go full instead.
  let step: IteratorResult<CleverEvent[]>;
  try {
    step = await pages.next();
  } catch (error) {
    if (isEventsRefusal(error)) {
      run.logger.warn({ err: errorForLog(error) }, 'events cursor refused; falling back to full sync');
      return {
        results,
        fallback: [...plans],
        fallbackReason: `Clever refused the events request (${describeError(error)}): falling back to a full sync`,
        lastEventId: null,
        eventsApplied: 0,
      };
    }
    for (const plan of plans) done(await failUntouched(run, deps, plan, error));
    return { results, fallback: [], lastEventId: null, eventsApplied: 0 };
  }

  let lastEventId: string | null = null;
  let eventsApplied = 0;
  let streamError: unknown;
  try {
    for (; !step.done; step = await pages.next()) {
      const page = step.value;
      if (page.length === 0) continue;
      const pageLast = page[page.length - 1]!.id;
      const cursors = new Map<string, string>();
      for (const [id, plan] of waiting) cursors.set(id, plan.cursor);
      for (const [id, school] of touched) if (isApplying(school)) cursors.set(id, school.cursor);
      const fold = foldEvents(page, cursors, entities);
      if (fold.unreadable > 0)
        run.logger.warn({ unreadable: fold.unreadable }, 'skipped events without a readable record');
      await Promise.all(
        [...fold.bySchool].map(([cleverSchoolId, ops]) =>
          run.limiter(() =>
            applyToSchool(run, deps, cleverSchoolId, ops, pageLast, { waiting, touched, done }),
          ),
        ),
      );
      lastEventId = pageLast;
      eventsApplied += page.length;
      run.tracker.records(page.length);
    }
  } catch (error) {
    // Clever failed mid-stream: committed pages stay applied (cursors say so); the rest waits.
    streamError = error;
  }

  // Each school's last writes are its own: finish them concurrently, within the school limit.
  await Promise.all(
    [...touched.values()].map((school) =>
      run.limiter(async () => {
        if (streamError !== undefined) fail(school, streamError);
        done(await finishTouched(run, deps, school, lastEventId));
      }),
    ),
  );
  if (streamError !== undefined) {
    for (const plan of waiting.values()) done(await failUntouched(run, deps, plan, streamError));
  } else {
    for (const result of await finishUntouched(
      run,
      deps,
      [...waiting.values()],
      lastEventId,
      recordUntouched,
    ))
      done(result);
  }
  return { results, fallback: [], lastEventId, eventsApplied };
}

interface PassState {
  waiting: Map<string, IncrementalPlan>;
  touched: Map<string, TouchedSchool>;
  done: (result: SchoolSyncResult) => void;
}

/** One page's operations for one school: opens the school on its first touch. */
async function applyToSchool(
  run: Run,
  deps: IncrementalDeps,
  cleverSchoolId: string,
  ops: SchoolOps,
  pageLast: string,
  state: PassState,
): Promise<void> {
  let school = state.touched.get(cleverSchoolId);
  if (!school) {
    const plan = state.waiting.get(cleverSchoolId);
    if (!plan) return;
    state.waiting.delete(cleverSchoolId);
    const opened = await openTouched(run, deps, plan);
    if ('result' in opened) {
      state.done(opened.result);
      return;
    }
    school = opened.school;
    state.touched.set(cleverSchoolId, school);
  }
  if (!isApplying(school)) return;
  try {
    for (const [entity, entityOps] of ops.entities) await applyEntityOps(school, entity, entityOps);
    if (isHeld(school)) {
      // Nothing of this school is archived in this run: its later events wait with the held ones.
      for (const applier of school.appliers.values()) applier.dropPending();
      return;
    }
    // Committed, and no archive waits for the guard: only now may the cursor pass the page.
    if (![...school.appliers.values()].some((applier) => applier.hasPending)) {
      await deps.schools.setEventsCursor(school.record.id, pageLast);
      school.cursor = pageLast;
    }
  } catch (error) {
    fail(school, error);
  }
}

async function applyEntityOps(school: TouchedSchool, entity: RosterEntity, ops: EntityOps): Promise<void> {
  const applier = school.appliers.get(entity);
  if (!applier) return;
  applier.received(ops.invalid.length);
  await applier.skipInvalid(ops.invalid, false);
  const upserts: RosterRow<RosterEntity>[] = [];
  const refreshes: RosterRow<RosterEntity>[] = [];
  const archives: string[] = [];
  const links: Record<LinkKind, SectionMembers[]> = { teachers: [], students: [] };
  for (const [id, op] of ops.ops) {
    if (op.kind === 'upsert') {
      upserts.push(op.row);
      if (op.links) for (const kind of LINK_KINDS) links[kind].push(op.links[kind]);
    } else if (op.kind === 'refresh') refreshes.push(op.row);
    else archives.push(id);
  }
  if (refreshes.length > 0) {
    // A course or term changed district-wide: only schools that keep a copy take the change.
    const kept = await school.writer.activeAmong(
      entity,
      refreshes.map((row) => row.cleverId),
    );
    upserts.push(...refreshes.filter((row) => kept.has(row.cleverId)));
  }
  applier.received(upserts.length);
  await applier.upsert(upserts);
  if (school.links) await school.links.replace(links);
  if (entity === 'sections' && ops.ops.size > 0) school.sectionsChanged = true;
  for (const row of upserts)
    if ('cleverCourseId' in row) noteReferences(school.referenced, row.cleverCourseId, row.cleverTermId);
  await applier.archive(archives);
}

/** Lease, database and SyncHistory rows of a school on its first touch; or why it cannot take part. */
async function openTouched(
  run: Run,
  deps: IncrementalDeps,
  plan: IncrementalPlan,
): Promise<{ school: TouchedSchool } | { result: SchoolSyncResult }> {
  const record = plan.school.record;
  const logger = run.logger.child({ schoolId: record.id, cleverSchoolId: record.cleverSchoolId });
  const lease = await run.acquire(plan.leaseKey);
  if (!lease.acquired) {
    logger.info({ runningRunId: lease.runningRunId }, 'school skipped: another run is syncing it');
    return { result: skipped(plan, lease.runningRunId) };
  }
  const appliers = new Map<RosterEntity, EntityApplier>();
  try {
    const writer = databaseWriter(await openSchoolDatabase(run, deps, record));
    const startEntry = (entity: SyncEntity) =>
      run.history.start({
        districtId: record.districtId,
        schoolId: record.id,
        entity,
        syncType: 'Incremental',
        eventCursor: plan.cursor,
      });
    for (const entity of plan.entities) {
      appliers.set(
        entity,
        new EntityApplier(run, writer, entity, 'Incremental', await startEntry(entity), logger),
      );
    }
    const links = plan.entities.includes('sections')
      ? new LinkApplier(writer, 'Incremental', await startEntry('enrollments'), logger)
      : undefined;
    return {
      school: {
        plan,
        record,
        logger,
        started: Date.now(),
        cursor: plan.cursor,
        appliers,
        writer,
        referenced: { courses: new Set(), terms: new Set() },
        sectionsChanged: false,
        ...(links ? { links } : {}),
      },
    };
  } catch (error) {
    const message = describeError(error);
    logger.error(
      { err: errorForLog(error), databaseFailure: isDatabaseFailure(error) },
      'could not open school database',
    );
    // Rows already started are completed as Failed (never left Running); the rest are recorded.
    const entities = [];
    for (const applier of appliers.values())
      entities.push(await applier.complete('Failed', { error: message }));
    const notStarted = plan.entities.filter((entity) => !appliers.has(entity));
    await recordFailedEntities(run, record, 'Incremental', message, notStarted);
    await deps.book.failed(record, message);
    await run.release(plan.leaseKey);
    return { result: result(plan, 'Failed', entities, Date.now(), [], message) };
  }
}

function fail(school: TouchedSchool, error: unknown): void {
  if (school.error) return;
  school.error = describeError(error);
  school.logger.error(
    { err: errorForLog(error), databaseFailure: isDatabaseFailure(error) },
    isDatabaseFailure(error)
      ? 'incremental sync failed: database connection failure'
      : 'incremental sync failed',
  );
}

function isHeld(school: TouchedSchool): boolean {
  return [...school.appliers.values()].some((applier) => applier.held !== undefined);
}

/** Still taking events: neither failed nor held. */
function isApplying(school: TouchedSchool): boolean {
  return !school.error && !isHeld(school);
}

async function finishTouched(
  run: Run,
  deps: IncrementalDeps,
  school: TouchedSchool,
  lastEventId: string | null,
): Promise<SchoolSyncResult> {
  const { record } = school;
  try {
    if (isApplying(school)) {
      for (const applier of school.appliers.values()) await applier.applyPending();
      await fetchReferenced(deps, school);
      await retireUnreferenced(school);
      // Links of sections, students and teachers archived by these events go with them.
      await school.links?.prune();
      // Pages that did not touch the school moved it along too.
      const cursor =
        lastEventId && compareEventIds(lastEventId, school.cursor) > 0 ? lastEventId : school.cursor;
      await deps.book.succeeded(record, cursor);
      school.cursor = cursor;
    }
  } catch (error) {
    fail(school, error);
  }
  const held = [...school.appliers.values()].flatMap((applier) => (applier.held ? [applier.held] : []));
  const entities: EntitySyncResult[] = [];
  for (const applier of school.appliers.values()) {
    const status = school.error ? 'Failed' : applier.held ? 'Held' : 'Succeeded';
    entities.push(
      await applier.complete(status, {
        eventCursor: school.cursor,
        ...(school.error ? { error: school.error } : {}),
      }),
    );
  }
  if (school.links) {
    entities.push(
      await school.links.complete(school.error ? 'Failed' : 'Succeeded', {
        eventCursor: school.cursor,
        ...(school.error ? { error: school.error } : {}),
      }),
    );
  }
  if (school.error) await deps.book.failed(record, school.error);
  else if (held.length > 0) await deps.book.held(record, held, { stayFull: false });
  await run.release(school.plan.leaseKey);
  const status = school.error ? 'Failed' : held.length > 0 ? 'Held' : 'Succeeded';
  const finished = result(school.plan, status, entities, school.started, held, school.error);
  school.logger.info(
    {
      mode: 'incremental',
      status,
      durationMs: finished.durationMs,
      counts: finished.counts,
      eventsCursor: school.cursor,
    },
    'school sync finished',
  );
  return finished;
}

/**
 * Courses and terms no active section of the school uses any more (its sections moved, were
 * deleted or changed course): the school's copy goes, as a full pull of `/schools/{id}/courses`
 * would leave it out.
 */
async function retireUnreferenced(school: TouchedSchool): Promise<void> {
  if (!school.sectionsChanged) return;
  for (const entity of ['courses', 'terms'] as const) {
    const applier = school.appliers.get(entity);
    if (applier) await applier.retire(await school.writer.unreferenced(entity));
  }
}

/**
 * Courses and terms the school's new sections name that its database lacks: Clever sends no event
 * when a section starts using an existing one. Picked from the district's catalogue, read once per
 * run for every school that needs it (as the full pull does).
 */
async function fetchReferenced(deps: IncrementalDeps, school: TouchedSchool): Promise<void> {
  for (const entity of ['courses', 'terms'] as const) {
    const applier = school.appliers.get(entity);
    const referenced = [...school.referenced[entity]];
    if (!applier || referenced.length === 0 || deps.classAccess.refused) continue;
    try {
      const present = await school.writer.activeAmong(entity, referenced);
      const missing = referenced.filter((id) => !present.has(id));
      if (missing.length === 0) continue;
      const prepared = await catalogueBatch(deps.catalog, entity, missing, school.record.cleverSchoolId);
      applier.received(prepared.received);
      await applier.skipInvalid(prepared.invalid, false);
      await applier.upsert(prepared.rows);
    } catch (error) {
      if (!isNotShared(error)) throw error;
      deps.classAccess.refuse();
    }
  }
}

/**
 * Schools no event touched: in step with Clever already. One batched write per cursor value moves
 * their cursors and records their success (a school whose cursor another run moved meanwhile is
 * left as it is); a queue-shared run also gives each its SyncHistory rows, which it is totalled by.
 */
async function finishUntouched(
  run: Run,
  deps: IncrementalDeps,
  plans: readonly IncrementalPlan[],
  lastEventId: string | null,
  recordUntouched: boolean,
): Promise<SchoolSyncResult[]> {
  if (plans.length === 0) return [];
  const started = Date.now();
  // One read tells which of them another run is syncing: those are reported, and left alone.
  const holders = await deps.leases.holders(plans.map((plan) => plan.leaseKey));
  const results: SchoolSyncResult[] = [];
  const free: IncrementalPlan[] = [];
  for (const plan of plans) {
    const holder = holders.get(plan.leaseKey);
    if (holder === undefined || runIdOfHolder(holder) === run.id) free.push(plan);
    else results.push(skipped(plan, runIdOfHolder(holder)));
  }
  if (!run.options.dryRun && free.length > 0) {
    await deps.schools.advanceCursors(
      free.map((plan) => ({ id: plan.school.record.id, from: plan.cursor })),
      lastEventId,
      run.now(),
    );
  }
  for (const plan of free) {
    const entities: EntitySyncResult[] = [];
    for (const entity of plan.entities) {
      const counts = zeroCounts();
      if (recordUntouched) {
        const entry = await run.history.start({
          districtId: plan.school.record.districtId,
          schoolId: plan.school.record.id,
          entity,
          syncType: 'Incremental',
          eventCursor: plan.cursor,
        });
        await entry.complete({ status: 'Succeeded', counts, eventCursor: lastEventId ?? plan.cursor });
      }
      entities.push({
        entity,
        syncType: 'Incremental',
        status: 'Succeeded',
        counts,
        unchanged: 0,
        warnings: [],
      });
    }
    results.push(result(plan, 'Succeeded', entities, started, []));
  }
  return results;
}

/** A school the pass could not read events for: failed, recorded, its cursor where it was. */
async function failUntouched(
  run: Run,
  deps: IncrementalDeps,
  plan: IncrementalPlan,
  error: unknown,
): Promise<SchoolSyncResult> {
  const message = describeError(error);
  await recordFailedEntities(run, plan.school.record, 'Incremental', message, plan.entities);
  await deps.book.failed(plan.school.record, message);
  return result(plan, 'Failed', [], Date.now(), [], message);
}

function skipped(plan: IncrementalPlan, runningRunId: string): SchoolSyncResult {
  return {
    ...result(plan, 'Skipped', [], Date.now(), [`already being synced by run ${runningRunId}`]),
    runningRunId,
  };
}

function result(
  plan: IncrementalPlan,
  status: SchoolSyncResult['status'],
  entities: EntitySyncResult[],
  started: number,
  warnings: string[],
  error?: string,
): SchoolSyncResult {
  const record = plan.school.record;
  return {
    schoolId: record.id,
    cleverSchoolId: record.cleverSchoolId,
    districtId: record.districtId,
    status,
    syncType: 'Incremental',
    entities,
    counts: recordCounts(entities),
    durationMs: Date.now() - started,
    warnings,
    ...(error ? { error } : {}),
  };
}
