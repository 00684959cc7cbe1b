/** The sync engine's public surface: the service factory and the shapes callers exchange with it. */
export { checkArchiveGuard } from './archive-guard.js';
export { refreshAttachedRun } from './attached-run.js';
export { EVENTS_START } from './events.js';
export { type AcquireOutcome, leaseKeys, makeHolder, runIdOfHolder } from './leases.js';
export { mapSchool, mapStudent, mapTeacher, parseDob } from './mapping.js';
export { runStatus } from './rollup.js';
export { createSyncService, parseIdSelector, runSummary } from './sync-service.js';
export type {
  DistrictSchoolsRefresh,
  DistrictSyncResult,
  EntityPlan,
  EntitySyncResult,
  SchoolRefreshOptions,
  SchoolRefreshResult,
  SchoolSyncPlan,
  SchoolSyncResult,
  SchoolSyncStatus,
  StartedSync,
  SyncAlert,
  SyncAlertSink,
  SyncOptions,
  SyncProgress,
  SyncRunCompletion,
  SyncRunResult,
  SyncService,
  SyncServiceDeps,
  SyncTarget,
  SyncTuning,
} from './types.js';
