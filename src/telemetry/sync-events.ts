import { TELEMETRY_EVENTS, type Telemetry } from './telemetry.js';

/**
 * The custom events the alert rules in infra/ read (infra/modules/alerts.bicep). Parameter types
 * are structural so telemetry does not depend on the sync engine or the Clever client.
 */

type SyncCountsLike = Record<
  'processed' | 'created' | 'updated' | 'archived' | 'restored' | 'failed' | 'invalid',
  number
>;

export interface RunCompletedInput {
  runId: string;
  trigger: string;
  status: string;
  dryRun: boolean;
  durationMs: number;
  schoolsTotal: number;
  schoolsFailed: number;
  /** processed, created, updated, archived, restored, failed, invalid */
  counts: SyncCountsLike;
  districts: {
    cleverDistrictId: string;
    status: string;
    counts: SyncCountsLike;
    /** How many of the district's schools synced in full and incrementally (absent: not known, e.g. a dry run). */
    schoolSyncTypes?: SchoolSyncTypes | undefined;
  }[];
}

export interface SchoolSyncTypes {
  full: number;
  incremental: number;
}

/** One word for a district's run: `Full`, `Incremental`, `Mixed`, or `None` (no school synced). */
export function runSyncType(types: SchoolSyncTypes): 'Full' | 'Incremental' | 'Mixed' | 'None' {
  if (types.full > 0 && types.incremental > 0) return 'Mixed';
  if (types.full > 0) return 'Full';
  return types.incremental > 0 ? 'Incremental' : 'None';
}

/**
 * One event per district of the run (dimension districtId; the district-not-synced alert watches
 * each district's last success), or one for the run when it reached no district. Where known, the
 * district's sync type (dimension syncType; measurements fullSchools, incrementalSchools) feeds the
 * workbook's incremental-vs-full picture.
 */
export function trackRunCompleted(telemetry: Telemetry, run: RunCompletedInput): void {
  const common = { runId: run.runId, runStatus: run.status, trigger: run.trigger, dryRun: run.dryRun };
  const totals = {
    durationMs: run.durationMs,
    schoolsTotal: run.schoolsTotal,
    schoolsFailed: run.schoolsFailed,
  };
  if (run.districts.length === 0) {
    telemetry.trackEvent(
      TELEMETRY_EVENTS.runCompleted,
      { ...common, status: run.status },
      { ...totals, ...run.counts },
    );
    return;
  }
  for (const district of run.districts) {
    const types = district.schoolSyncTypes;
    telemetry.trackEvent(
      TELEMETRY_EVENTS.runCompleted,
      {
        ...common,
        districtId: district.cleverDistrictId,
        status: district.status,
        ...(types ? { syncType: runSyncType(types) } : {}),
      },
      {
        ...totals,
        ...district.counts,
        ...(types ? { fullSchools: types.full, incrementalSchools: types.incremental } : {}),
      },
    );
  }
}

export interface RateLimitWaitInput {
  districtId: string;
  reason: string;
  waitMs: number;
  callers?: number;
}

export function trackRateLimitWait(telemetry: Telemetry, wait: RateLimitWaitInput): void {
  telemetry.trackEvent(
    TELEMETRY_EVENTS.rateLimitWait,
    { districtId: wait.districtId, reason: wait.reason },
    { waitMs: wait.waitMs, callers: wait.callers ?? 1 },
  );
}
