/**
 * Scale-out mode, sending side: instead of syncing in this process, record the run and enqueue
 * one message per school. The Functions host then spreads the schools over as many instances as
 * the queue needs, each school in its own invocation (with the host's retries and poison queue).
 *
 * The run keeps the same leases an in-process run holds (`sync:run:<id>` and the scope lease), under
 * a holder every queue invocation of the run shares, so crash recovery sees the run alive while
 * messages wait and a second request for an overlapping scope is told it is already running.
 *
 * Before enqueueing, the run refreshes the school lists of its districts through the sync engine
 * (SyncService.refreshSchools), as an in-process run does first: schools Clever started sharing
 * are registered and queued, schools it stopped sharing are archived and not queued.
 */
import { randomUUID } from 'node:crypto';
import type { DistrictRecord, SchoolRecord, SessionRepository } from '../db/index.js';
import type { SyncTrigger } from '../domain/index.js';
import { AppError, toLogObject } from '../errors.js';
import {
  type DistrictSchoolsRefresh,
  leaseKeys,
  parseIdSelector,
  refreshAttachedRun,
  type SyncRunCompletion,
  type SyncService,
  type SyncTarget,
  summarizeError,
} from '../sync/index.js';
import type { Logger } from '../telemetry/index.js';
import { SCHOOL_SYNC_MESSAGE_VERSION, type SchoolSyncMessage } from './queue-message.js';
import { QueuedRunLeases } from './queued-run-leases.js';
import { endRecordedRun, recordRunningRun } from './recorded-run.js';
import type { SchoolQueue } from './school-queue.js';
import type { SyncRequest } from './sync-request.js';

export interface QueueFanOutDeps {
  /** Refreshes the school lists (and provisions new schools' databases) before the schools are queued. */
  sync: Pick<SyncService, 'refreshSchools'>;
  session: SessionRepository;
  queue: SchoolQueue;
  leaseSeconds: number;
  /** CLEVER_DISTRICT_IDS: only these districts are synced (undefined = every active district). */
  districtIds?: string[] | undefined;
  logger: Logger;
  /** Telemetry for a run the fan-out completes itself (no school left to queue after the refresh). */
  onRunCompleted?: (run: SyncRunCompletion) => void;
  clock?: () => Date;
}

export interface QueuedRun {
  runId: string;
  scope: SyncTarget['scope'];
  scopeId: number | null;
  schoolsQueued: number;
}

/** The scope lease an in-process run of the same scope would take (none for one school: its lease is the school's). */
export function scopeLeaseKey(scope: SyncTarget['scope'], district: DistrictRecord | null): string | null {
  if (scope === 'all') return leaseKeys.all();
  if (scope === 'district' && district) return leaseKeys.district(district.cleverDistrictId);
  return null;
}

interface ResolvedScope {
  scopeId: number | null;
  district: DistrictRecord | null;
  schools: SchoolRecord[];
}

export function createQueueFanOut(deps: QueueFanOutDeps) {
  const now = deps.clock ?? (() => new Date());
  const { session } = deps;

  /**
   * The schools of the scope as SessionDb knows them, or null for anything it cannot resolve to
   * active schools (unknown, archived, disconnected or unconfigured ids): those go to the engine
   * in process, which answers 404 or onboards a newly connected district exactly as it always does.
   */
  async function resolve(target: SyncTarget): Promise<ResolvedScope | null> {
    const wanted = deps.districtIds ? new Set(deps.districtIds) : null;
    const allowed = (district: DistrictRecord | null): district is DistrictRecord =>
      district?.isActive === true && (!wanted || wanted.has(district.cleverDistrictId));
    if (target.scope === 'school') {
      const selector = parseIdSelector(target.schoolId, 'schoolId');
      const school =
        selector.kind === 'internal'
          ? await session.schools.findById(selector.id)
          : await session.schools.findByCleverId(selector.id);
      if (!school?.isActive || !allowed(await session.districts.findById(school.districtId))) return null;
      return { scopeId: school.id, district: null, schools: [school] };
    }
    if (target.scope === 'district') {
      const selector = parseIdSelector(target.districtId, 'districtId');
      const district =
        selector.kind === 'internal'
          ? await session.districts.findById(selector.id)
          : await session.districts.findByCleverId(selector.id);
      if (!allowed(district)) return null;
      const schools = await session.schools.list({ districtId: district.id, activeOnly: true });
      return { scopeId: district.id, district, schools };
    }
    const districts = (await session.districts.list({ activeOnly: true })).filter(allowed);
    const schools: SchoolRecord[] = [];
    for (const district of districts) {
      schools.push(...(await session.schools.list({ districtId: district.id, activeOnly: true })));
    }
    return { scopeId: null, district: null, schools };
  }

  /** Leases of the runs that would cover this scope too: everything, the school's district, the school. */
  async function enclosingLeaseKeys(scope: SyncTarget['scope'], schools: SchoolRecord[]): Promise<string[]> {
    if (scope === 'all') return [];
    const keys = [leaseKeys.all()];
    if (scope === 'school' && schools[0]) {
      const district = await session.districts.findById(schools[0].districtId);
      if (district) keys.push(leaseKeys.district(district.cleverDistrictId));
      keys.push(leaseKeys.school(schools[0].id));
    }
    return keys;
  }

  return {
    /**
     * Resolves the scope, takes the run's leases, records a Running run and enqueues its schools.
     * Returns null when SessionDb cannot name the schools (a first run discovers districts and
     * schools from Clever; unknown ids get the engine's 404): the caller then runs in process.
     */
    async start(request: SyncRequest, trigger: SyncTrigger): Promise<QueuedRun | null> {
      const { target } = request;
      // A dry run writes no SyncHistory, from which a queued run's totals are rebuilt: queued, it
      // could never complete. It changes nothing, so it needs no scale-out: the engine runs it here.
      if (request.dryRun) return null;
      const scope = await resolve(target);
      if (!scope || scope.schools.length === 0) return null;

      const runId = randomUUID();
      const leases = new QueuedRunLeases(session.leases, runId, deps.leaseSeconds, deps.logger);
      const scopeKey = scopeLeaseKey(target.scope, scope.district);
      await leases.take(
        [...(scopeKey === null ? [] : [scopeKey]), leaseKeys.run(runId)],
        await enclosingLeaseKeys(target.scope, scope.schools),
        target.scope,
      );

      const run = {
        runId,
        scope: target.scope,
        scopeId: scope.scopeId,
        trigger,
        full: request.full,
        dryRun: request.dryRun,
        startedAt: now(),
      };
      const startedAt = run.startedAt;
      await recordRunningRun(session, run);
      const fail = async (error: unknown, fallback: string) => {
        const safe = error instanceof AppError ? error.message : fallback;
        deps.logger.error({ runId, err: toLogObject(error) }, `${fallback}: run failed`);
        await endRecordedRun(session, run, 'Failed', safe, now(), deps.onRunCompleted);
        await leases.releaseAll();
      };

      let schools: SchoolRecord[];
      try {
        const refreshed = await leases.keepAliveWhile(() =>
          deps.sync.refreshSchools(engineTarget(target.scope, scope.scopeId), {
            runId,
            trigger,
            force: request.force,
          }),
        );
        schools = refreshed.schools;
        // Unshared schools had their rosters archived by the refresh: their rows count like a school's.
        const unshared = refreshed.districts.reduce((total, d) => total + d.unshared, 0);
        await session.runs.update(runId, {
          schoolsTotal: schools.length + unshared,
          summaryJson: JSON.stringify({ schoolLists: refreshed.districts.map(listSummary) }),
          errorSummary: listErrors(refreshed.districts),
        });
      } catch (error) {
        await fail(error, 'could not refresh the school lists');
        throw error;
      }
      if (schools.length === 0) {
        // Every school in scope stopped being shared (or no list could be read): nothing to queue.
        const completion = await refreshAttachedRun(session, runId, now);
        if (completion) deps.onRunCompleted?.(completion);
        await leases.releaseAll();
        deps.logger.info({ runId, scope: target.scope }, 'no school left to sync after the refresh');
        return { runId, scope: target.scope, scopeId: scope.scopeId, schoolsQueued: 0 };
      }

      const messages: SchoolSyncMessage[] = schools.map((school) => ({
        v: SCHOOL_SYNC_MESSAGE_VERSION,
        runId,
        schoolId: school.id,
        full: request.full,
        dryRun: request.dryRun,
        force: request.force,
        requestedBy: trigger,
        enqueuedAt: startedAt.toISOString(),
      }));
      try {
        await deps.queue.send(messages);
      } catch (error) {
        await fail(error, 'could not enqueue the schools');
        throw error;
      }
      deps.logger.info(
        {
          runId,
          scope: target.scope,
          scopeId: scope.scopeId,
          schools: messages.length,
          queue: deps.queue.name,
        },
        'sync run fanned out to the queue',
      );
      return { runId, scope: target.scope, scopeId: scope.scopeId, schoolsQueued: messages.length };
    },
  };
}

/** The scope by internal id, as the fan-out resolved it, so the engine refreshes exactly that. */
function engineTarget(scope: SyncTarget['scope'], scopeId: number | null): SyncTarget {
  if (scope === 'all' || scopeId === null) return { scope: 'all' };
  return scope === 'district' ? { scope, districtId: scopeId } : { scope, schoolId: scopeId };
}

/** The run summary of a queued run: each district's school-list refresh (ids and counts only). */
function listSummary(d: DistrictSchoolsRefresh): Record<string, unknown> {
  return {
    districtId: d.districtId,
    cleverDistrictId: d.cleverDistrictId,
    status: d.status,
    schoolChanges: d.schoolChanges,
    schoolsQueued: d.schools.length,
    provisioned: d.provisioned,
    error: d.error,
    warnings: d.warnings.length > 0 ? d.warnings : undefined,
    runningRunId: d.runningRunId,
  };
}

function listErrors(districts: readonly DistrictSchoolsRefresh[]): string | null {
  const errors = districts
    .filter((d) => d.error)
    .map((d) => `district ${d.cleverDistrictId}: school list not refreshed: ${d.error}`);
  return errors.length > 0 ? summarizeError(errors.slice(0, 5).join('; ')) : null;
}

export type QueueFanOut = ReturnType<typeof createQueueFanOut>;
