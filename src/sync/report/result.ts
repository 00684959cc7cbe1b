/**
 * A run's outcome, built once from its districts' results and projected from there: the result a
 * caller gets, the SyncRun row (status, totals and the per-school summary every view reads: the
 * status URL, `clever-sync runs`), and the completion telemetry. Queue-shared runs are totalled
 * from SyncHistory instead (attached-run.ts), with the same rollup rules (rollup.ts).
 */
import type { SyncRunRecord } from '../../db/index.js';
import { type SyncRunScope, sumCounts } from '../../domain/index.js';
import type { RunOptions } from '../execute/run.js';
import type { DistrictSyncResult, SyncRunCompletion, SyncRunResult } from '../types.js';
import { type EntityCounts, entityCountsOf, sumEntityCounts } from './entity-counts.js';
import { summarizeError } from './history.js';
import { runStatus } from './rollup.js';

export function buildRunResult(input: {
  runId: string;
  scope: SyncRunScope;
  scopeId: number | null;
  options: RunOptions;
  startedAt: Date;
  completedAt: Date;
  districts: DistrictSyncResult[];
  error: string | undefined;
}): SyncRunResult {
  const { districts, error, options } = input;
  const schools = districts.flatMap((d) => d.schools);
  return {
    runId: input.runId,
    scope: input.scope,
    scopeId: input.scopeId ?? districts[0]?.districtId ?? null,
    trigger: options.trigger,
    full: options.full,
    dryRun: options.dryRun,
    status: runStatus(error, districts),
    startedAt: input.startedAt,
    completedAt: input.completedAt,
    durationMs: input.completedAt.getTime() - input.startedAt.getTime(),
    districts,
    schoolsTotal: schools.length,
    schoolsCompleted: schools.filter((s) => s.status === 'Succeeded' || s.status === 'Held').length,
    schoolsFailed: schools.filter((s) => s.status === 'Failed').length,
    schoolsSkipped: schools.filter((s) => s.status === 'Skipped').length,
    counts: sumCounts(schools.map((s) => s.counts)),
    byEntity: sumEntityCounts(schools.map((s) => entityCountsOf(s.entities))),
    warnings: districts.flatMap((d) => [...d.warnings, ...d.schools.flatMap((s) => s.warnings)]),
    ...(error ? { error } : {}),
  };
}

/** The SyncRun row's summary: per-district and per-school outcomes (and plans of a dry run). */
export function runSummary(result: Pick<SyncRunResult, 'districts'>): RunSummary {
  return {
    districts: result.districts.map((d) => ({
      districtId: d.districtId,
      cleverDistrictId: d.cleverDistrictId,
      status: d.status,
      error: d.error,
      warnings: d.warnings,
      ...(d.disconnected ? { disconnected: true } : {}),
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
        ...(s.entities.length > 0 ? { byEntity: entityCountsOf(s.entities) } : {}),
        error: s.error,
        warnings: s.warnings.length > 0 ? s.warnings : undefined,
        runningRunId: s.runningRunId,
        plan: s.plan,
      })),
    })),
  };
}

export interface RunSummary {
  districts: (Pick<
    DistrictSyncResult,
    | 'districtId'
    | 'cleverDistrictId'
    | 'status'
    | 'error'
    | 'warnings'
    | 'schoolChanges'
    | 'mode'
    | 'eventsCursor'
  > & {
    disconnected?: boolean;
    schools: (Pick<
      DistrictSyncResult['schools'][number],
      | 'schoolId'
      | 'cleverSchoolId'
      | 'status'
      | 'syncType'
      | 'reason'
      | 'counts'
      | 'error'
      | 'runningRunId'
      | 'plan'
    > & { warnings: string[] | undefined; byEntity?: EntityCounts })[];
  })[];
}

/** What the SyncRun row records when the run ends. */
export function runRowOf(result: SyncRunResult): Partial<Omit<SyncRunRecord, 'runId'>> {
  const errors = result.error
    ? [result.error]
    : result.districts.flatMap((d) => [
        ...(d.error ? [`district ${d.cleverDistrictId}: ${d.error}`] : []),
        ...d.schools.filter((s) => s.error).map((s) => `school ${s.cleverSchoolId}: ${s.error}`),
      ]);
  return {
    status: result.status,
    completedAt: result.completedAt,
    schoolsTotal: result.schoolsTotal,
    // Skipped schools are done too (another run had them): the progress bar reaches 100%.
    schoolsCompleted: result.schoolsCompleted + result.schoolsSkipped,
    schoolsFailed: result.schoolsFailed,
    counts: result.counts,
    summaryJson: JSON.stringify(runSummary(result)),
    errorSummary: errors.length > 0 ? summarizeError(errors.slice(0, 5).join('; ')) : null,
  };
}

/** What a finished run reports to telemetry (CleverSyncRunCompleted). */
export function completionOf(result: SyncRunResult): SyncRunCompletion {
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
