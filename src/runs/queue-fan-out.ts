/**
 * Scale-out mode, sending side: instead of syncing in this process, record the run and enqueue
 * one message per school. The Functions host then spreads the schools over as many instances as
 * the queue needs, each school in its own invocation (with the host's retries and poison queue).
 *
 * The run keeps the same leases an in-process run holds (`sync:run:<id>` and the scope lease), under
 * a holder every queue invocation of the run shares, so crash recovery sees the run alive while
 * messages wait and a second request for an overlapping scope is told it is already running.
 */
import { randomUUID } from 'node:crypto';
import type { DistrictRecord, SchoolRecord, SessionRepository, SyncTrigger } from '../db/types.js';
import { AppError, ConflictError, toLogObject } from '../errors.js';
import { leaseKeys, runIdOfHolder } from '../sync/leases.js';
import type { SyncTarget } from '../sync/types.js';
import type { Logger } from '../telemetry/index.js';
import { SCHOOL_SYNC_MESSAGE_VERSION, type SchoolSyncMessage } from './queue-message.js';
import type { SchoolQueue } from './school-queue.js';
import type { SyncRequest } from './sync-request.js';

export interface QueueFanOutDeps {
  session: SessionRepository;
  queue: SchoolQueue;
  leaseSeconds: number;
  /** CLEVER_DISTRICT_IDS: only these districts are synced (undefined = every active district). */
  districtIds?: string[] | undefined;
  logger: Logger;
  clock?: () => Date;
}

export interface QueuedRun {
  runId: string;
  scope: SyncTarget['scope'];
  scopeId: number | null;
  schoolsQueued: number;
}

/** Every queue invocation of a run renews and finally releases the run's leases under this holder. */
export function queueHolder(runId: string): string {
  return `${runId}#queue`;
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
      const school =
        typeof target.schoolId === 'number'
          ? await session.schools.findById(target.schoolId)
          : await session.schools.findByCleverId(target.schoolId);
      if (!school?.isActive || !allowed(await session.districts.findById(school.districtId))) return null;
      return { scopeId: school.id, district: null, schools: [school] };
    }
    if (target.scope === 'district') {
      const district =
        typeof target.districtId === 'number'
          ? await session.districts.findById(target.districtId)
          : await session.districts.findByCleverId(target.districtId);
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
      const scope = await resolve(target);
      if (!scope || scope.schools.length === 0) return null;

      const runId = randomUUID();
      const holder = queueHolder(runId);
      const held: string[] = [];
      const releaseAll = async () => {
        for (const key of held) await session.leases.release(key, holder).catch(() => undefined);
      };

      const scopeKey = scopeLeaseKey(target.scope, scope.district);
      const probeKeys = await enclosingLeaseKeys(target.scope, scope.schools);
      for (const key of [scopeKey, leaseKeys.run(runId)]) {
        if (key === null) continue;
        const lease = await session.leases.tryAcquire(key, holder, deps.leaseSeconds);
        if (!lease.acquired) {
          await releaseAll();
          const running = runIdOfHolder(lease.holder);
          throw new ConflictError(
            `A sync covering this ${target.scope} is already running (run ${running})`,
            {
              runId: running,
            },
          );
        }
        held.push(key);
      }
      // Runs of enclosing scopes (and a single school's own lease, which the queue invocation takes
      // later) are only checked: a district or school request while everything is queued is refused.
      for (const key of probeKeys) {
        const probe = await session.leases.tryAcquire(key, holder, 30);
        if (!probe.acquired) {
          await releaseAll();
          const running = runIdOfHolder(probe.holder);
          throw new ConflictError(
            `A sync covering this ${target.scope} is already running (run ${running})`,
            {
              runId: running,
            },
          );
        }
        await session.leases.release(key, holder);
      }

      const startedAt = now();
      await session.runs.create({
        runId,
        scope: target.scope,
        scopeId: scope.scopeId,
        trigger,
        full: request.full,
        dryRun: request.dryRun,
        status: 'Running',
        startedAt,
        schoolsTotal: scope.schools.length,
        schoolsCompleted: 0,
        schoolsFailed: 0,
        counts: { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
      });

      const messages: SchoolSyncMessage[] = scope.schools.map((school) => ({
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
        const safe = error instanceof AppError ? error.message : 'could not enqueue the schools';
        deps.logger.error({ runId, err: toLogObject(error) }, 'enqueueing the run failed');
        await session.runs.update(runId, { status: 'Failed', completedAt: now(), errorSummary: safe });
        await releaseAll();
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

export type QueueFanOut = ReturnType<typeof createQueueFanOut>;
