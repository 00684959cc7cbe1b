/**
 * `queued-run` mode, sending side. On Flex Consumption, work that goes on after an HTTP response is
 * not an invocation the host tracks: scale-in can stop it mid-run. So the trigger only records the
 * run and enqueues one message; the run queue trigger (src/runs/run-worker.ts) runs it in process,
 * inside an invocation the host tracks (and retries, and poisons).
 *
 * Recording means what an in-process start does before it returns: validate the target (404 for
 * ids SessionDb rules out), take the run's leases (409 while a run covering the scope goes on, queued
 * or not) and write the SyncRun row (Running), so the status URL answers at once and crash recovery
 * sees the run alive while its message waits: the leases live for SYNC_LEASE_SECONDS (1 hour by
 * default), and the worker renews them when it starts.
 */
import { randomUUID } from 'node:crypto';
import type { CleverTokenProvider } from '../clever/auth/index.js';
import type { SessionRepository } from '../db/index.js';
import type { SyncTrigger } from '../domain/index.js';
import { AppError, toLogObject } from '../errors.js';
import { leaseKeys, resolveTarget, type SyncRunCompletion, type SyncTarget } from '../sync/index.js';
import type { Logger } from '../telemetry/index.js';
import { QueuedRunLeases } from './queued-run-leases.js';
import { endRecordedRun, recordRunningRun } from './recorded-run.js';
import { RUN_MESSAGE_VERSION, type RunMessage } from './run-message.js';
import type { RunQueue } from './school-queue.js';
import type { SyncRequest } from './sync-request.js';

export interface RunDispatcherDeps {
  session: SessionRepository;
  queue: RunQueue;
  leaseSeconds: number;
  /** CLEVER_DISTRICT_IDS: only these districts are synced (undefined = every connected district). */
  districtIds?: string[] | undefined;
  /** The app's district tokens (asked only about districts SessionDb does not know as active). */
  tokens: Pick<CleverTokenProvider, 'listDistricts'>;
  logger: Logger;
  /** Telemetry for a run that fails before it is queued. */
  onRunCompleted?: (run: SyncRunCompletion) => void;
  clock?: () => Date;
}

export interface DispatchedRun {
  runId: string;
  scope: SyncTarget['scope'];
  scopeId: number | null;
}

/** What the dispatcher resolved: the message's target, the scope lease and the leases of enclosing runs. */
interface DispatchTarget {
  scopeId: number | null;
  target: RunMessage['target'];
  scopeLease: string;
  /** Leases of runs that would cover this scope too: everything, the school's district. */
  enclosing: string[];
}

export function createRunDispatcher(deps: RunDispatcherDeps) {
  const now = deps.clock ?? (() => new Date());
  const { session } = deps;

  /** The engine's own resolution (the same 404s), and the leases a run of the target takes. */
  async function resolve(target: SyncTarget): Promise<DispatchTarget> {
    const resolved = await resolveTarget(target, {
      session,
      tokens: deps.tokens,
      districtIds: deps.districtIds,
    });
    if (resolved.scope === 'all') {
      return { scopeId: null, target: { scope: 'all' }, scopeLease: resolved.leaseKey, enclosing: [] };
    }
    if (resolved.scope === 'district') {
      return {
        scopeId: resolved.scopeId,
        // A district SessionDb does not know yet is onboarded by the engine, from its Clever id.
        target: {
          scope: 'district',
          districtId: resolved.district.record?.id ?? resolved.district.cleverDistrictId,
        },
        scopeLease: resolved.leaseKey,
        enclosing: [leaseKeys.all()],
      };
    }
    return {
      scopeId: resolved.scopeId,
      target: { scope: 'school', schoolId: resolved.school.id },
      scopeLease: resolved.leaseKey,
      enclosing: [leaseKeys.all(), leaseKeys.district(resolved.district.cleverDistrictId)],
    };
  }

  return {
    /**
     * Records the run and enqueues it. Rejects with NotFoundError or ConflictError (`details.runId`)
     * before anything is recorded, exactly as an in-process start would.
     */
    async dispatch(request: SyncRequest, trigger: SyncTrigger): Promise<DispatchedRun> {
      const resolved = await resolve(request.target);
      const runId = randomUUID();
      const leases = new QueuedRunLeases(session.leases, runId, deps.leaseSeconds, deps.logger);
      // A dry run changes nothing and, in process, takes no scope lease: it conflicts with no run.
      const scopeLease = request.dryRun ? null : resolved.scopeLease;
      await leases.take(
        [leaseKeys.run(runId), ...(scopeLease ? [scopeLease] : [])],
        request.dryRun ? [] : resolved.enclosing,
        request.target.scope,
      );

      const run = {
        runId,
        scope: request.target.scope,
        scopeId: resolved.scopeId,
        trigger,
        full: request.full,
        dryRun: request.dryRun,
        startedAt: now(),
      };
      const message: RunMessage = {
        v: RUN_MESSAGE_VERSION,
        kind: 'run',
        runId,
        target: resolved.target,
        scopeLease,
        full: request.full,
        dryRun: request.dryRun,
        force: request.force,
        requestedBy: trigger,
        enqueuedAt: run.startedAt.toISOString(),
      };
      try {
        await recordRunningRun(session, run);
      } catch (error) {
        await leases.releaseAll();
        throw error;
      }
      try {
        await deps.queue.send([message]);
      } catch (error) {
        deps.logger.error({ runId, err: toLogObject(error) }, 'could not enqueue the run: run failed');
        const reason = error instanceof AppError ? error.message : 'could not enqueue the run';
        await endRecordedRun(session, run, 'Failed', reason, now(), deps.onRunCompleted);
        await leases.releaseAll();
        throw error;
      }
      deps.logger.info(
        { runId, scope: run.scope, scopeId: run.scopeId, queue: deps.queue.name, dryRun: run.dryRun },
        'sync run queued',
      );
      return { runId, scope: run.scope, scopeId: run.scopeId };
    },
  };
}

export type RunDispatcher = ReturnType<typeof createRunDispatcher>;
