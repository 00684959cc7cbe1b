/** What every part of one run shares: settings with defaults applied, options, leases, counters. */
import type { LimitFunction } from 'p-limit';
import type { SyncTrigger } from '../domain/index.js';
import type { Logger } from '../telemetry/index.js';
import type { HistoryRecorder } from './history.js';
import type { LeaseSet } from './leases.js';
import type { RunTracker } from './progress.js';
import { FINAL_WRITE_BUDGET_MS } from './settle.js';
import type { SyncOptions, SyncServiceDeps } from './types.js';

export interface SyncSettings {
  maxConcurrentSchools: number;
  maxConcurrentDistricts: number;
  pageSize: number;
  archiveGuardFraction: number;
  archiveGuardMinRows: number;
  leaseSeconds: number;
  eventsEnabled: boolean;
  eventsRetentionDays: number;
  withoutEvents: 'full' | 'compare-last-modified';
  alertAfterFailures: number;
  /** How long the writes ending a run or a piece of it keep retrying a transient SessionDb failure. */
  finalWriteBudgetMs: number;
}

export function resolveSettings(deps: SyncServiceDeps): SyncSettings {
  const tuning = deps.tuning ?? {};
  return {
    maxConcurrentSchools: Math.max(1, deps.config.maxConcurrentSchools),
    maxConcurrentDistricts: Math.max(1, tuning.maxConcurrentDistricts ?? 1),
    pageSize: deps.config.pageSize,
    archiveGuardFraction: deps.config.archiveGuardFraction,
    archiveGuardMinRows: Math.max(1, tuning.archiveGuardMinRows ?? 10),
    leaseSeconds: deps.config.leaseSeconds,
    eventsEnabled: deps.config.eventsEnabled,
    eventsRetentionDays: tuning.eventsRetentionDays ?? 30,
    withoutEvents: tuning.withoutEvents ?? 'full',
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

export interface RunContext {
  runId: string;
  deps: SyncServiceDeps;
  settings: SyncSettings;
  options: RunOptions;
  now: () => Date;
  logger: Logger;
  leases: LeaseSet;
  /** Bounds schools worked on at once across the whole run (SYNC_MAX_CONCURRENT_SCHOOLS). */
  limiter: LimitFunction;
  history: HistoryRecorder;
  tracker: RunTracker;
}
