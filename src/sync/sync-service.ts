/**
 * The SyncService: resolves what to sync, guards it with leases and a SyncRun row, runs it, and
 * reports the outcome. Everything below (districts, schools, entities) is in the other modules.
 */

import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { DistrictRecord, SchoolRecord, SessionRepository } from '../db/types.js';
import type { SyncRunScope } from '../domain/index.js';
import { sumCounts } from '../domain/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { refreshAttachedRun } from './attached-run.js';
import { type RunContext, resolveOptions, resolveSettings } from './context.js';
import { discoverDistricts } from './discovery.js';
import { type DistrictTarget, syncDistrictRun, syncOneSchoolRun } from './district-sync.js';
import { describeError, errorForLog } from './error-text.js';
import { HistoryRecorder, summarizeError } from './history.js';
import { LeaseSet, leaseKeys, makeHolder } from './leases.js';
import { RunTracker } from './progress.js';
import { recoverAbandoned } from './recovery.js';
import { runStatus } from './rollup.js';
import { type RefreshScope, refreshScope } from './school-refresh.js';
import { settle } from './settle.js';
import type {
  DistrictSyncResult,
  SchoolRefreshOptions,
  SchoolRefreshResult,
  StartedSync,
  SyncOptions,
  SyncRunCompletion,
  SyncRunResult,
  SyncService,
  SyncServiceDeps,
  SyncTarget,
} from './types.js';

type Resolved =
  | { scope: 'all'; scopeId: null; leaseKey: string; label: string }
  | { scope: 'district'; scopeId: number | null; leaseKey: string; label: string; district: DistrictTarget }
  | {
      scope: 'school';
      scopeId: number;
      leaseKey: string;
      label: string;
      school: SchoolRecord;
      district: DistrictRecord;
    };

/** `12` / `"12"` -> internal id; anything else -> a Clever id. */
export function parseIdSelector(
  value: number | string,
  what: string,
): { internalId: number } | { cleverId: string } {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return { internalId: value };
    throw new ValidationError(`${what} must be a positive integer id or a Clever id`);
  }
  const trimmed = value.trim();
  // Clever ids are 24 hex characters; up to 9 digits is an internal id.
  if (/^\d{1,9}$/.test(trimmed) && Number(trimmed) > 0) return { internalId: Number(trimmed) };
  if (/^[0-9A-Za-z_-]{1,64}$/.test(trimmed)) return { cleverId: trimmed };
  throw new ValidationError(`${what} must be a positive integer id or a Clever id`);
}

export function createSyncService(deps: SyncServiceDeps): SyncService {
  const settings = resolveSettings(deps);
  const now = deps.clock ?? (() => new Date());
  const logger = deps.logger.child({ component: 'sync' });
  const session = deps.session;
  const activeRuns = new Set<string>();

  const recover = () => recoverAbandoned(session, now, logger, (runId) => activeRuns.has(runId));

  async function isConnected(cleverDistrictId: string): Promise<boolean> {
    const tokens = await deps.tokens.listDistricts();
    return tokens.some((t) => t.districtId === cleverDistrictId);
  }

  async function resolve(target: SyncTarget): Promise<Resolved> {
    if (target.scope === 'all')
      return { scope: 'all', scopeId: null, leaseKey: leaseKeys.all(), label: 'all districts' };
    if (target.scope === 'district') {
      const selector = parseIdSelector(target.districtId, 'districtId');
      const record =
        'internalId' in selector
          ? await session.districts.findById(selector.internalId)
          : await session.districts.findByCleverId(selector.cleverId);
      if (!record && 'internalId' in selector)
        throw new NotFoundError(`District ${selector.internalId} is not known`);
      const cleverDistrictId = record?.cleverDistrictId ?? (selector as { cleverId: string }).cleverId;
      if (deps.districtIds && !deps.districtIds.includes(cleverDistrictId)) {
        throw new NotFoundError(
          `District ${cleverDistrictId} is not among the configured districts (CLEVER_DISTRICT_IDS)`,
        );
      }
      // A district not synced before (or disconnected) must have authorized the app.
      if (!record?.isActive && !(await isConnected(cleverDistrictId))) {
        throw new NotFoundError(`District ${cleverDistrictId} has not authorized the app`);
      }
      return {
        scope: 'district',
        scopeId: record?.id ?? null,
        leaseKey: leaseKeys.district(cleverDistrictId),
        label: `district ${cleverDistrictId}`,
        district: { cleverDistrictId, record },
      };
    }
    const selector = parseIdSelector(target.schoolId, 'schoolId');
    const school =
      'internalId' in selector
        ? await session.schools.findById(selector.internalId)
        : await session.schools.findByCleverId(selector.cleverId);
    const shown = 'internalId' in selector ? selector.internalId : selector.cleverId;
    if (!school) throw new NotFoundError(`School ${shown} is not known (a district sync registers schools)`);
    if (!school.isActive) throw new NotFoundError(`School ${shown} is archived: Clever no longer shares it`);
    const district = await session.districts.findById(school.districtId);
    if (!district) throw new NotFoundError(`District of school ${shown} is not known`);
    return {
      scope: 'school',
      scopeId: school.id,
      leaseKey: leaseKeys.school(school.id),
      label: `school ${school.cleverSchoolId}`,
      school,
      district,
    };
  }

  async function start(target: SyncTarget, options: SyncOptions = {}): Promise<StartedSync> {
    try {
      await recover();
    } catch (error) {
      logger.warn({ err: errorForLog(error) }, 'crash recovery failed; continuing');
    }
    const resolved = await resolve(target);
    const runOptions = resolveOptions(options);
    const runId = options.runId ?? randomUUID();
    const recorded = options.runId !== undefined ? options.recordedRun : undefined;
    const attached = !recorded && options.runId !== undefined && (await session.runs.get(runId)) !== null;
    const runLogger = logger.child({ runId, trigger: runOptions.trigger });
    const holder = recorded?.leaseHolder ?? makeHolder(runId);
    const leases = new LeaseSet(session.leases, holder, settings.leaseSeconds, runLogger);

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
          counts: sumCounts([]),
        });
      }
    } catch (error) {
      activeRuns.delete(runId);
      await leases.releaseAll();
      throw error;
    }

    const tracker = new RunTracker(runId, attached ? null : session.runs, options.onProgress, runLogger);
    const ctx: RunContext = {
      runId,
      deps,
      settings,
      options: runOptions,
      now,
      logger: runLogger,
      leases,
      limiter: pLimit(settings.maxConcurrentSchools),
      history: new HistoryRecorder(
        session.history,
        runId,
        runOptions.trigger,
        now,
        !runOptions.dryRun,
        settings.finalWriteBudgetMs,
      ),
      tracker,
    };
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
        districts = await execute(ctx, resolved);
      } catch (caught) {
        error = describeError(caught);
        runLogger.error({ err: errorForLog(caught) }, 'sync run failed');
      }
      const result = buildResult(ctx, resolved, startedAt, districts, error);
      try {
        await tracker.flush();
        let completion: SyncRunCompletion | undefined;
        // The run's last word must land even through a short SessionDb outage (settle.ts).
        const budget = { budgetMs: settings.finalWriteBudgetMs };
        if (attached) completion = await settle(() => refreshAttachedRun(session, runId, now), budget);
        else {
          await settle(() => persistResult(session, result), budget);
          completion = completionOf(result);
        }
        if (completion) deps.onRunCompleted?.(completion);
      } catch (caught) {
        runLogger.error({ err: errorForLog(caught) }, 'could not record the run outcome');
      } finally {
        await leases.releaseAll(settings.finalWriteBudgetMs);
        activeRuns.delete(runId);
      }
      tracker.finished();
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

  async function execute(ctx: RunContext, resolved: Resolved): Promise<DistrictSyncResult[]> {
    if (resolved.scope === 'school') {
      ctx.tracker.addDistricts(1);
      return [await syncOneSchoolRun(ctx, resolved.district, resolved.school)];
    }
    if (resolved.scope === 'district') {
      ctx.tracker.addDistricts(1);
      return [await syncDistrictRun(ctx, resolved.district)];
    }
    const discovery = await discoverDistricts(ctx);
    ctx.tracker.addDistricts(discovery.targets.length);
    // One district at a time by default: districts share nothing, but each has its own rate budget.
    const limit = pLimit(ctx.settings.maxConcurrentDistricts);
    const synced = await Promise.all(discovery.targets.map((t) => limit(() => syncDistrictRun(ctx, t))));
    return [...synced, ...discovery.notConnected];
  }

  async function refreshSchools(
    target: SyncTarget,
    options: SchoolRefreshOptions = {},
  ): Promise<SchoolRefreshResult> {
    const resolved = await resolve(target);
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
      const ctx: RunContext = {
        runId,
        deps,
        settings,
        options: runOptions,
        now,
        logger: runLogger,
        leases,
        limiter: pLimit(settings.maxConcurrentSchools),
        history: new HistoryRecorder(
          session.history,
          runId,
          runOptions.trigger,
          now,
          true,
          settings.finalWriteBudgetMs,
        ),
        tracker: new RunTracker(runId, null, undefined, runLogger),
      };
      const districts = await refreshScope(ctx, refreshTarget(resolved));
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

  const run = async (target: SyncTarget, options?: SyncOptions) => (await start(target, options)).done;

  return {
    start,
    refreshSchools,
    syncAllDistricts: (options) => run({ scope: 'all' }, options),
    syncDistrict: (districtId, options) => run({ scope: 'district', districtId }, options),
    syncSchool: (schoolId, options) => run({ scope: 'school', schoolId }, options),
    recoverAbandoned: recover,
  };
}

function alreadyRunning(label: string, runningRunId: string): ConflictError {
  return new ConflictError(`A sync of ${label} is already running (run ${runningRunId})`, {
    runId: runningRunId,
  });
}

function refreshTarget(resolved: Resolved): RefreshScope {
  if (resolved.scope === 'school')
    return { scope: 'school', school: resolved.school, district: resolved.district };
  if (resolved.scope === 'district') return { scope: 'district', district: resolved.district };
  return { scope: 'all' };
}

function buildResult(
  ctx: RunContext,
  resolved: Resolved,
  startedAt: Date,
  districts: DistrictSyncResult[],
  error: string | undefined,
): SyncRunResult {
  const schools = districts.flatMap((d) => d.schools);
  const completedAt = ctx.now();
  return {
    runId: ctx.runId,
    scope: resolved.scope as SyncRunScope,
    scopeId: resolved.scopeId ?? districts[0]?.districtId ?? null,
    trigger: ctx.options.trigger,
    full: ctx.options.full,
    dryRun: ctx.options.dryRun,
    status: runStatus(error, districts),
    startedAt,
    completedAt,
    durationMs: completedAt.getTime() - startedAt.getTime(),
    districts,
    schoolsTotal: schools.length,
    schoolsCompleted: schools.filter((s) => s.status === 'Succeeded' || s.status === 'Held').length,
    schoolsFailed: schools.filter((s) => s.status === 'Failed').length,
    schoolsSkipped: schools.filter((s) => s.status === 'Skipped').length,
    counts: sumCounts(schools.map((s) => s.counts)),
    warnings: districts.flatMap((d) => [...d.warnings, ...d.schools.flatMap((s) => s.warnings)]),
    ...(error ? { error } : {}),
  };
}

/** The SyncRun row's summary: per-district and per-school outcomes (and plans of a dry run). */
export function runSummary(result: SyncRunResult): Record<string, unknown> {
  return {
    districts: result.districts.map((d) => ({
      districtId: d.districtId,
      cleverDistrictId: d.cleverDistrictId,
      status: d.status,
      error: d.error,
      warnings: d.warnings,
      schoolChanges: d.schoolChanges,
      mode: d.mode,
      eventsCursor: d.eventsCursor,
      schools: d.schools.map((s) => ({
        schoolId: s.schoolId,
        cleverSchoolId: s.cleverSchoolId,
        status: s.status,
        syncType: s.syncType,
        reason: s.reason,
        counts: s.counts,
        error: s.error,
        warnings: s.warnings.length > 0 ? s.warnings : undefined,
        runningRunId: s.runningRunId,
        plan: s.plan,
      })),
    })),
  };
}

async function persistResult(session: SessionRepository, result: SyncRunResult): Promise<void> {
  const errors = result.error
    ? [result.error]
    : result.districts.flatMap((d) => [
        ...(d.error ? [`district ${d.cleverDistrictId}: ${d.error}`] : []),
        ...d.schools.filter((s) => s.error).map((s) => `school ${s.cleverSchoolId}: ${s.error}`),
      ]);
  await session.runs.update(result.runId, {
    status: result.status,
    completedAt: result.completedAt,
    schoolsTotal: result.schoolsTotal,
    schoolsCompleted: result.schoolsCompleted + result.schoolsSkipped,
    schoolsFailed: result.schoolsFailed,
    counts: result.counts,
    summaryJson: JSON.stringify(runSummary(result)),
    errorSummary: errors.length > 0 ? summarizeError(errors.slice(0, 5).join('; ')) : null,
  });
}

function completionOf(result: SyncRunResult): SyncRunCompletion {
  return {
    runId: result.runId,
    trigger: result.trigger,
    status: result.status,
    dryRun: result.dryRun,
    durationMs: result.durationMs,
    schoolsTotal: result.schoolsTotal,
    schoolsFailed: result.schoolsFailed,
    counts: result.counts,
    districts: result.districts.map((d) => ({
      cleverDistrictId: d.cleverDistrictId,
      status: d.status,
      counts: d.counts,
    })),
  };
}
