/**
 * What every part of one run shares: its id, options and settings, the clock and its logger, its
 * leases, the school concurrency limit, its SyncHistory recorder, progress tracker and alert sink.
 * The run's collaborators (SessionDb, school databases, Clever) are not in here: each step takes
 * the ones it needs as arguments, so its signature says what it touches.
 */
import type { LimitFunction } from 'p-limit';
import { ROSTER_ENTITY_NAMES, type RosterEntity, type SyncTrigger } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { AcquireOutcome, LeaseSet } from '../leases.js';
import { emitAlert } from '../report/alerts.js';
import type { HistoryRecorder } from '../report/history.js';
import type { RunTracker } from '../report/progress.js';
import { FINAL_WRITE_BUDGET_MS } from '../settle.js';
import type { SyncAlert, SyncAlertSink, SyncOptions, SyncServiceDeps } from '../types.js';

export interface SyncSettings {
  maxConcurrentSchools: number;
  maxConcurrentDistricts: number;
  pageSize: number;
  archiveGuardFraction: number;
  archiveGuardMinRows: number;
  leaseSeconds: number;
  eventsEnabled: boolean;
  /** The rosters this run syncs, in sync order (SYNC_ENTITIES). */
  entities: readonly RosterEntity[];
  eventsRetentionDays: number;
  alertAfterFailures: number;
  /** How long the writes ending a run or a piece of it keep retrying a transient SessionDb failure. */
  finalWriteBudgetMs: number;
}

export function resolveSettings(deps: Pick<SyncServiceDeps, 'config' | 'tuning'>): SyncSettings {
  const tuning = deps.tuning ?? {};
  return {
    maxConcurrentSchools: Math.max(1, deps.config.maxConcurrentSchools),
    maxConcurrentDistricts: Math.max(1, tuning.maxConcurrentDistricts ?? 1),
    pageSize: deps.config.pageSize,
    archiveGuardFraction: deps.config.archiveGuardFraction,
    archiveGuardMinRows: Math.max(1, tuning.archiveGuardMinRows ?? 10),
    leaseSeconds: deps.config.leaseSeconds,
    eventsEnabled: deps.config.eventsEnabled,
    entities: ROSTER_ENTITY_NAMES.filter((entity) =>
      (deps.config.entities ?? ROSTER_ENTITY_NAMES).includes(entity),
    ),
    eventsRetentionDays: tuning.eventsRetentionDays ?? 30,
    alertAfterFailures: Math.max(1, tuning.alertAfterFailures ?? 3),
    finalWriteBudgetMs: Math.max(0, tuning.finalWriteBudgetMs ?? FINAL_WRITE_BUDGET_MS),
  };
}

export interface RunOptions {
  full: boolean;
  dryRun: boolean;
  force: boolean;
  trigger: SyncTrigger;
  /** Beginning-of-year purge: hard-delete rows inactive since before this (null = not asked). */
  purgeInactiveBefore: 'run-end' | Date | null;
}

export function resolveOptions(options: SyncOptions): RunOptions {
  const boy = options.beginningOfYear;
  const purge = boy === undefined || boy === false ? null : boy === true ? 'run-end' : boy.inactiveSince;
  return {
    full: Boolean(options.full) || purge !== null,
    dryRun: Boolean(options.dryRun),
    force: Boolean(options.force),
    trigger: options.trigger ?? 'cli',
    purgeInactiveBefore: purge,
  };
}

export interface Run {
  id: string;
  options: RunOptions;
  settings: SyncSettings;
  now: () => Date;
  logger: Logger;
  /** Bounds schools worked on at once across the whole run (SYNC_MAX_CONCURRENT_SCHOOLS). */
  limiter: LimitFunction;
  history: HistoryRecorder;
  tracker: RunTracker;
  /** Takes a lease for this run. A dry run writes nothing, so it takes none and is always granted. */
  acquire(key: string | null): Promise<AcquireOutcome>;
  release(key: string | null): Promise<void>;
  /** An operator alert: a log line, and the sink (Application Insights) when configured. */
  alert(alert: SyncAlert, logger?: Logger): Promise<void>;
}

export function createRun(input: {
  id: string;
  options: RunOptions;
  settings: SyncSettings;
  now: () => Date;
  logger: Logger;
  leases: LeaseSet;
  limiter: LimitFunction;
  history: HistoryRecorder;
  tracker: RunTracker;
  alerts: SyncAlertSink | undefined;
}): Run {
  const { leases, options } = input;
  return {
    id: input.id,
    options,
    settings: input.settings,
    now: input.now,
    logger: input.logger,
    limiter: input.limiter,
    history: input.history,
    tracker: input.tracker,
    acquire: (key) =>
      options.dryRun || key === null ? Promise.resolve({ acquired: true }) : leases.acquire(key),
    release: (key) => (options.dryRun || key === null ? Promise.resolve() : leases.release(key)),
    alert: (alert, logger = input.logger) => emitAlert(logger, input.alerts, alert),
  };
}
