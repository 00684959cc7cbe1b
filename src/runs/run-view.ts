/**
 * The public view of a sync run, read from its SyncRun row so that any instance can answer
 * `GET /api/sync/runs/{runId}` (the run may be going on in another process or on the queue).
 */
import type { SyncRunRecord } from '../db/index.js';
import type { SyncCounts, SyncStatus } from '../domain/index.js';

export interface RunView {
  runId: string;
  status: SyncStatus;
  /** False while the run is going on: keep polling `statusUrl`. */
  finished: boolean;
  scope: SyncRunRecord['scope'];
  scopeId: number | null;
  trigger: SyncRunRecord['trigger'];
  full: boolean;
  dryRun: boolean;
  startedAt: string;
  completedAt: string | null;
  durationSeconds: number;
  progress: {
    schoolsTotal: number;
    /** Finished successfully (or skipped because another run held them). */
    schoolsCompleted: number;
    schoolsFailed: number;
    /** 0..100; null until the schools in scope are known. */
    percent: number | null;
  };
  counts: SyncCounts;
  /** Per-school outcomes, dry-run plan, sanitized errors, as the sync engine recorded them. */
  summary: unknown;
  error: string | null;
  statusUrl: string;
}

export function statusPath(runId: string): string {
  return `/api/sync/runs/${encodeURIComponent(runId)}`;
}

/** Run ids are UUIDs (or similar tokens); anything else cannot name a run and gets a 400. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

export function toRunView(run: SyncRunRecord, now: Date = new Date()): RunView {
  const done = run.schoolsCompleted + run.schoolsFailed;
  const end = run.completedAt ?? now;
  return {
    runId: run.runId,
    status: run.status,
    finished: run.status !== 'Running',
    scope: run.scope,
    scopeId: run.scopeId,
    trigger: run.trigger,
    full: run.full,
    dryRun: run.dryRun,
    startedAt: run.startedAt.toISOString(),
    completedAt: run.completedAt ? run.completedAt.toISOString() : null,
    durationSeconds: Math.max(0, Math.round((end.getTime() - run.startedAt.getTime()) / 100) / 10),
    progress: {
      schoolsTotal: run.schoolsTotal,
      schoolsCompleted: run.schoolsCompleted,
      schoolsFailed: run.schoolsFailed,
      percent:
        run.status !== 'Running'
          ? 100
          : run.schoolsTotal > 0
            ? Math.min(99, Math.floor((done / run.schoolsTotal) * 100))
            : null,
    },
    counts: run.counts,
    summary: parseSummary(run.summaryJson),
    error: run.errorSummary,
    statusUrl: statusPath(run.runId),
  };
}

function parseSummary(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}
