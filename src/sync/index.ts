/**
 * The sync engine's public surface (docs/architecture.md, "The sync engine"): the service, the
 * shapes callers exchange with it, the id rules every way in shares, and the few helpers the
 * run dispatchers (src/runs) need to share a run's leases and totals with it.
 */
export { checkArchiveGuard } from './execute/archive-guard.js';
export { mapSchool, mapStudent, mapTeacher, parseDob } from './execute/mapping.js';
export { type AcquireOutcome, leaseKeys, makeHolder, runIdOfHolder } from './leases.js';
export { EVENTS_START } from './plan/events-cursor.js';
export { ID_RULE, type IdSelector, parseIdSelector, toIdSelector } from './plan/selector.js';
export { type ResolvedTarget, resolveTarget } from './plan/target.js';
export { refreshAttachedRun } from './report/attached-run.js';
export { summarizeError } from './report/history.js';
export { type RunSummary, runSummary } from './report/result.js';
export { runStatus } from './report/rollup.js';
export { createSyncService } from './service.js';
export type * from './types.js';
