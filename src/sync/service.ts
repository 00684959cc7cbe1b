/**
 * The SyncService: resolves what a run covers (plan/target.ts), guards it with leases and a SyncRun
 * row, executes its districts (execute/), and reports the outcome (report/). See
 * docs/architecture.md, "The sync engine", for the stages.
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { SessionRepository } from '../db/index.js';
import { zeroCounts } from '../domain/index.js';
import { ConflictError } from '../errors.js';
import type { Logger } from '../telemetry/index.js';
import { discoverDistricts } from './execute/discovery.js';
import { type DistrictDeps, syncDistrict, syncOneSchool } from './execute/district.js';
import { createRun, type Run, type RunOptions, resolveOptions, resolveSettings } from './execute/run.js';
import { refreshScope } from './execute/school-refresh.js';
import { LeaseSet, leaseKeys, makeHolder } from './leases.js';
import { type ResolvedTarget, resolveTarget } from './plan/target.js';
import { recoverAbandoned } from './recovery.js';
import { refreshAttachedRun } from './report/attached-run.js';
import { describeError, errorForLog } from './report/error-text.js';
import { HistoryRecorder } from './report/history.js';
import { RunTracker } from './report/progress.js';
import { buildRunResult, completionOf, runRowOf } from './report/result.js';
import { settle } from './settle.js';
import type {
  DistrictSyncResult,
  SchoolRefreshOptions,
  SchoolRefreshResult,
  StartedSync,
  SyncOptions,
  SyncProgress,
  SyncRunCompletion,
  SyncRunResult,
  SyncService,
  SyncServiceDeps,
  SyncTarget,
} from './types.js';

export function createSyncService(deps: SyncServiceDeps): SyncService {
  const settings = resolveSettings(deps);
  const now = deps.clock ?? (() => new Date());
  const logger = deps.logger.child({ component: 'sync' });
  const { session } = deps;
  const activeRuns = new Set<string>();
  const lookup = { session, tokens: deps.tokens, districtIds: deps.districtIds };

  const recover = () => recoverAbandoned(session, now, logger, (runId) => activeRuns.has(runId));

  /** A run's shared state; `history` writes nothing in a dry run, `runs` null keeps progress off the row. */
  function newRun(
    runId: string,
    options: RunOptions,
    leases: LeaseSet,
    runLogger: Logger,
    progress: {
      runs: SessionRepository['runs'] | null;
      onProgress?: ((p: SyncProgress) => void) | undefined;
    },
  ): Run {
    return createRun({
      id: runId,
      options,
      settings,
      now,
      logger: runLogger,
      leases,
      limiter: pLimit(settings.maxConcurrentSchools),
      history: new HistoryRecorder(
        session.history,
        runId,
        options.trigger,
        now,
        !options.dryRun,
        settings.finalWriteBudgetMs,
      ),
      tracker: new RunTracker(runId, progress.runs, progress.onProgress, runLogger),
      alerts: deps.alerts,
    });
  }

  async function start(target: SyncTarget, options: SyncOptions = {}): Promise<StartedSync> {
    try {
      await recover();
    } catch (error) {
      logger.warn({ err: errorForLog(error) }, 'crash recovery failed; continuing');
    }
    const resolved = await resolveTarget(target, lookup);
    const runOptions = resolveOptions(options);
    const runId = options.runId ?? randomUUID();
    // A run some dispatcher recorded (and leased) for this engine to run as its own.
    const recorded = options.runId !== undefined ? options.recordedRun : undefined;
    // A run shared by queue workers: each writes SyncHistory, the run is totalled from it.
    const attached = !recorded && options.runId !== undefined && (await session.runs.get(runId)) !== null;
    const runLogger = logger.child({ runId, trigger: runOptions.trigger });
    const leases = new LeaseSet(
      session.leases,
      recorded?.leaseHolder ?? makeHolder(runId),
      settings.leaseSeconds,
      runLogger,
    );

    if (!attached && !recorded) {
      const own = await leases.acquire(leaseKeys.run(runId));
      if (!own.acquired) throw new ConflictError(`Run ${runId} is already running`, { runId });
    }
    if (!runOptions.dryRun) {
      const lease = await leases.acquire(resolved.leaseKey);
      if (!lease.acquired) {
        await leases.releaseAll();
        throw alreadyRunning(resolved.label, lease.runningRunId);
      }
    }

    const startedAt = now();
    activeRuns.add(runId);
    try {
      if (!attached && !recorded) {
        await session.runs.create({
          runId,
          scope: resolved.scope,
          scopeId: resolved.scopeId,
          trigger: runOptions.trigger,
          full: runOptions.full,
          dryRun: runOptions.dryRun,
          status: 'Running',
          startedAt,
          schoolsTotal: 0,
          schoolsCompleted: 0,
          schoolsFailed: 0,
          counts: zeroCounts(),
        });
      }
    } catch (error) {
      activeRuns.delete(runId);
      await leases.releaseAll();
      throw error;
    }

    const run = newRun(runId, runOptions, leases, runLogger, {
      runs: attached ? null : session.runs,
      onProgress: options.onProgress,
    });
    runLogger.info(
      {
        scope: resolved.scope,
        scopeId: resolved.scopeId,
        full: runOptions.full,
        dryRun: runOptions.dryRun,
        attached,
      },
      'sync run started',
    );

    const done = (async (): Promise<SyncRunResult> => {
      let districts: DistrictSyncResult[] = [];
      let error: string | undefined;
      try {
        districts = await execute(run, resolved, attached);
      } catch (caught) {
        error = describeError(caught);
        runLogger.error({ err: errorForLog(caught) }, 'sync run failed');
      }
      const result = buildRunResult({
        runId,
        scope: resolved.scope,
        scopeId: resolved.scopeId,
        options: runOptions,
        startedAt,
        completedAt: now(),
        districts,
        error,
      });
      try {
        await run.tracker.flush();
        let completion: SyncRunCompletion | undefined;
        // The run's last word must land even through a short SessionDb outage (settle.ts).
        const budget = { budgetMs: settings.finalWriteBudgetMs };
        if (attached) completion = await settle(() => refreshAttachedRun(session, runId, now), budget);
        else {
          await settle(() => session.runs.update(runId, runRowOf(result)), budget);
          completion = completionOf(result);
        }
        if (completion) deps.onRunCompleted?.(completion);
      } catch (caught) {
        runLogger.error({ err: errorForLog(caught) }, 'could not record the run outcome');
      } finally {
        await leases.releaseAll(settings.finalWriteBudgetMs);
        activeRuns.delete(runId);
      }
      run.tracker.finished();
      runLogger.info(
        {
          status: result.status,
          durationMs: result.durationMs,
          schoolsTotal: result.schoolsTotal,
          schoolsCompleted: result.schoolsCompleted,
          schoolsFailed: result.schoolsFailed,
          schoolsSkipped: result.schoolsSkipped,
          counts: result.counts,
        },
        'sync run finished',
      );
      return result;
    })();
    return { runId, scope: resolved.scope, scopeId: resolved.scopeId, done };
  }

  async function execute(
    run: Run,
    resolved: ResolvedTarget,
    attached: boolean,
  ): Promise<DistrictSyncResult[]> {
    const districtDeps: DistrictDeps = {
      session,
      databases: deps.schoolDatabases,
      clever: deps.clever,
      recordEverySchool: attached,
    };
    if (resolved.scope === 'school') {
      run.tracker.addDistricts(1);
      return [await syncOneSchool(run, districtDeps, resolved.district, resolved.school)];
    }
    if (resolved.scope === 'district') {
      run.tracker.addDistricts(1);
      return [await syncDistrict(run, districtDeps, resolved.district)];
    }
    const discovery = await discoverDistricts(run, {
      tokens: deps.tokens,
      districts: session.districts,
      districtIds: deps.districtIds,
    });
    run.tracker.addDistricts(discovery.targets.length);
    // One district at a time by default: districts share nothing, but each has its own rate budget.
    const limit = pLimit(settings.maxConcurrentDistricts);
    const synced = await Promise.all(
      discovery.targets.map((t) => limit(() => syncDistrict(run, districtDeps, t))),
    );
    return [...synced, ...discovery.notConnected];
  }

  async function refreshSchools(
    target: SyncTarget,
    options: SchoolRefreshOptions = {},
  ): Promise<SchoolRefreshResult> {
    const resolved = await resolveTarget(target, lookup);
    const runOptions = resolveOptions({ ...options, dryRun: false });
    const runId = options.runId ?? randomUUID();
    const runLogger = logger.child({ runId, trigger: runOptions.trigger });
    const leases = new LeaseSet(session.leases, makeHolder(runId), settings.leaseSeconds, runLogger);
    activeRuns.add(runId);
    try {
      if (resolved.scope !== 'school') {
        const lease = await leases.acquire(resolved.leaseKey);
        // Held by this very run: the queue fan-out took the scope lease before calling here.
        if (!lease.acquired && lease.runningRunId !== runId)
          throw alreadyRunning(resolved.label, lease.runningRunId);
      }
      const run = newRun(runId, runOptions, leases, runLogger, { runs: null });
      const districts = await refreshScope(
        run,
        {
          session,
          databases: deps.schoolDatabases,
          clever: deps.clever,
          tokens: deps.tokens,
          districts: session.districts,
          districtIds: deps.districtIds,
        },
        resolved,
      );
      const schools = districts.flatMap((d) => d.schools);
      runLogger.info(
        {
          scope: resolved.scope,
          scopeId: resolved.scopeId,
          districts: districts.length,
          schools: schools.length,
        },
        'school lists refreshed',
      );
      return { runId, districts, schools };
    } finally {
      await leases.releaseAll();
      activeRuns.delete(runId);
    }
  }

  const runToEnd = async (target: SyncTarget, options?: SyncOptions) => (await start(target, options)).done;

  return {
    start,
    refreshSchools,
    syncAllDistricts: (options) => runToEnd({ scope: 'all' }, options),
    syncDistrict: (districtId, options) => runToEnd({ scope: 'district', districtId }, options),
    syncSchool: (schoolId, options) => runToEnd({ scope: 'school', schoolId }, options),
    recoverAbandoned: recover,
  };
}

function alreadyRunning(label: string, runningRunId: string): ConflictError {
  return new ConflictError(`A sync of ${label} is already running (run ${runningRunId})`, {
    runId: runningRunId,
  });
}
