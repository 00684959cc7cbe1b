/**
 * One district in a run: refresh the district and its school list, plan each school, then execute:
 * one incremental pass over the district's events for schools with a trustworthy cursor, full
 * pulls (at most SYNC_MAX_CONCURRENT_SCHOOLS at once) for the rest. Following Clever's recipe, the
 * newest event id is taken BEFORE any full pull: it becomes those schools' cursor, so changes made
 * during the pull are applied by the next incremental run.
 */
import type { CleverApiClient, CleverDistrictApi } from '../../clever/api/index.js';
import type {
  DistrictRecord,
  SchoolDatabaseProvider,
  SchoolRecord,
  SessionRepository,
} from '../../db/index.js';
import { sumCounts, zeroCounts } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import { leaseKeys } from '../leases.js';
import { compareEventIds, EVENTS_START } from '../plan/events-cursor.js';
import { fullInstead, planSchools, type SchoolPlan, type SchoolTarget } from '../plan/school-plan.js';
import type { DistrictTarget } from '../plan/target.js';
import { describeError, errorForLog } from '../report/error-text.js';
import { districtStatus } from '../report/rollup.js';
import type { DistrictSyncResult, SchoolSyncResult } from '../types.js';
import { ClassRosterAccess } from './class-access.js';
import { DistrictCatalog } from './class-catalog.js';
import { traceDistrict } from './district-trace.js';
import { runIncrementalPass } from './incremental.js';
import type { Run } from './run.js';
import { schoolBook } from './school-book.js';
import { refreshDistrictAndList } from './school-list.js';
import { pullSchool } from './school-pull.js';

export interface DistrictDeps {
  session: Pick<SessionRepository, 'districts' | 'schools' | 'history' | 'leases'>;
  databases: SchoolDatabaseProvider;
  clever: Pick<CleverApiClient, 'forDistrict'>;
  /** A run shared by processes (queue mode) is totalled from SyncHistory: every school leaves rows. */
  recordEverySchool: boolean;
}

type Mode = DistrictSyncResult['mode'];
const noMode = (): Mode => ({ incrementalSchools: 0, fullSchools: 0, eventsApplied: 0 });

export async function syncDistrict(
  run: Run,
  deps: DistrictDeps,
  target: DistrictTarget,
): Promise<DistrictSyncResult> {
  const started = Date.now();
  const logger = run.logger.child({
    cleverDistrictId: target.cleverDistrictId,
    districtId: target.record?.id,
  });
  const leaseKey = leaseKeys.district(target.cleverDistrictId);
  let district = target.record;
  const lease = await run.acquire(leaseKey);
  if (!lease.acquired) {
    logger.info({ runningRunId: lease.runningRunId }, 'district skipped: another run is syncing it');
    run.tracker.districtDone();
    return {
      ...districtResult(district, target.cleverDistrictId, 'Skipped', [], noMode(), null, 0),
      eventsCursor: district?.eventsCursor ?? null,
      warnings: [`already being synced by run ${lease.runningRunId}`],
      runningRunId: lease.runningRunId,
    };
  }

  logger.info({ dryRun: run.options.dryRun, full: run.options.full }, 'district sync started');
  const warnings: string[] = [];
  const schools: SchoolSyncResult[] = [];
  let schoolChanges = zeroCounts();
  let outcome: SchoolsOutcome = { schools: [], mode: noMode(), eventsCursor: null };
  let error: string | undefined;
  let listHeld = false;
  try {
    await traceDistrict(run, deps.session, target.cleverDistrictId, district, logger, async (known) => {
      const refreshed = await refreshDistrictAndList(run, deps, target.cleverDistrictId, known, logger);
      district = refreshed.district;
      const { api, list } = refreshed;
      schoolChanges = list.changes;
      warnings.push(...list.warnings);
      listHeld = list.held;
      run.tracker.addSchools(list.unshared.length);
      for (const result of list.unshared) {
        schools.push(result);
        run.tracker.schoolFinished(result);
      }
      outcome = await syncDistrictSchools(run, { ...deps, api }, list.schools, logger, warnings);
      schools.push(...outcome.schools);
      if (!run.options.dryRun && district && outcome.eventsCursor !== null) {
        await deps.session.districts.setEventsCursor(district.id, outcome.eventsCursor, run.now());
      }
    });
  } catch (caught) {
    error = describeError(caught);
    logger.error({ err: errorForLog(caught) }, 'district sync failed');
  } finally {
    await run.release(leaseKey);
  }

  const status = districtStatus(error, schools, { held: listHeld });
  const result = {
    ...districtResult(
      district,
      target.cleverDistrictId,
      status,
      schools,
      outcome.mode,
      outcome.eventsCursor,
      started,
    ),
    schoolChanges,
    ...(error ? { error } : {}),
    warnings,
  };
  logger.info(
    {
      status,
      durationMs: result.durationMs,
      schools: schools.length,
      counts: result.counts,
      schoolChanges,
      mode: result.mode,
    },
    'district sync finished',
  );
  run.tracker.districtDone();
  return result;
}

/** A run of one school: no school-list refresh, the same plan and execution as in a district. */
export async function syncOneSchool(
  run: Run,
  deps: DistrictDeps,
  district: DistrictRecord,
  school: SchoolRecord,
): Promise<DistrictSyncResult> {
  const started = Date.now();
  const logger = run.logger.child({ cleverDistrictId: district.cleverDistrictId, districtId: district.id });
  const warnings: string[] = [];
  let outcome: SchoolsOutcome = { schools: [], mode: noMode(), eventsCursor: null };
  let error: string | undefined;
  try {
    const api = deps.clever.forDistrict(district.cleverDistrictId);
    const target: SchoolTarget = {
      record: school,
      cleverSchoolId: school.cleverSchoolId,
      districtId: district.id,
    };
    outcome = await syncDistrictSchools(run, { ...deps, api }, [target], logger, warnings);
  } catch (caught) {
    error = describeError(caught);
    logger.error({ err: errorForLog(caught) }, 'school sync failed');
  }
  run.tracker.districtDone();
  return {
    ...districtResult(
      district,
      district.cleverDistrictId,
      districtStatus(error, outcome.schools, { held: false }),
      outcome.schools,
      outcome.mode,
      outcome.eventsCursor,
      started,
    ),
    ...(error ? { error } : {}),
    warnings,
  };
}

interface SchoolsOutcome {
  schools: SchoolSyncResult[];
  mode: Mode;
  /** Newest cursor reached (events applied or taken before full pulls). */
  eventsCursor: string | null;
}

/**
 * Plans the district's schools and executes the plans: one incremental pass for those with a usable
 * cursor, then full pulls for the rest and for any the pass sent back because Clever refused the
 * cursor.
 */
async function syncDistrictSchools(
  run: Run,
  deps: DistrictDeps & { api: CleverDistrictApi },
  targets: readonly SchoolTarget[],
  logger: Logger,
  warnings: string[],
): Promise<SchoolsOutcome> {
  run.tracker.addSchools(targets.length);
  const plans = planSchools(targets, {
    dryRun: run.options.dryRun,
    full: run.options.full,
    eventsEnabled: run.settings.eventsEnabled,
    eventsRetentionDays: run.settings.eventsRetentionDays,
    now: run.now(),
    entities: run.settings.entities,
  });
  const book = schoolBook(run, deps.session.schools);
  const classAccess = new ClassRosterAccess(warnings, logger);
  // Read at most once per district and run, by whichever school first needs it.
  const catalog = new DistrictCatalog(deps.api, run.settings.pageSize);
  const schools: SchoolSyncResult[] = [];
  const mode = noMode();
  let eventsCursor: string | null = null;
  const pulls = [...plans.full];

  // Clever's recipe: the cursor for full pulls is taken before they start.
  let cursorAfter = pulls.length > 0 ? await takeCursor(run, deps.api, logger, warnings) : null;

  if (plans.incremental.length > 0) {
    const pass = await runIncrementalPass(
      run,
      {
        api: deps.api,
        databases: deps.databases,
        schools: deps.session.schools,
        leases: deps.session.leases,
        book,
        classAccess,
        catalog,
      },
      plans.incremental,
      deps.recordEverySchool,
    );
    schools.push(...pass.results);
    mode.incrementalSchools = pass.results.length;
    mode.eventsApplied = pass.eventsApplied;
    eventsCursor = pass.lastEventId;
    if (pass.fallback.length > 0) {
      if (pass.fallbackReason) warnings.push(pass.fallbackReason);
      cursorAfter ??= await takeCursor(run, deps.api, logger, warnings);
      for (const plan of pass.fallback) pulls.push(fullInstead(plan, 'events-cursor-rejected'));
    }
  }

  mode.fullSchools = pulls.length;
  const pullDeps = {
    api: deps.api,
    databases: deps.databases,
    schools: deps.session.schools,
    book,
    classAccess,
    catalog,
  };
  const pulled = await Promise.all(
    pulls.map((plan: SchoolPlan & { kind: 'full' }) =>
      run.limiter(async () => {
        const result = await pullSchool(run, pullDeps, plan, cursorAfter);
        run.tracker.schoolFinished(result);
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
async function takeCursor(
  run: Run,
  api: CleverDistrictApi,
  logger: Logger,
  warnings: string[],
): Promise<string | null> {
  if (!run.settings.eventsEnabled || run.options.dryRun) return null;
  try {
    return (await api.getLatestEventId()) ?? EVENTS_START;
  } catch (error) {
    warnings.push(`events unavailable (${describeError(error)}): the next run pulls in full again`);
    logger.warn(
      { err: errorForLog(error) },
      'could not read the latest Clever event id; incremental sync unavailable',
    );
    return null;
  }
}

function districtResult(
  district: DistrictRecord | null,
  cleverDistrictId: string,
  status: DistrictSyncResult['status'],
  schools: SchoolSyncResult[],
  mode: Mode,
  eventsCursor: string | null,
  started: number,
): DistrictSyncResult {
  return {
    districtId: district?.id ?? null,
    cleverDistrictId,
    status,
    schoolChanges: zeroCounts(),
    schools,
    counts: sumCounts(schools.map((s) => s.counts)),
    durationMs: started === 0 ? 0 : Date.now() - started,
    eventsCursor,
    mode,
    warnings: [],
  };
}
