/**
 * The end-of-run report of `clever-sync sync` (and the demo): a per-school table for people, the
 * same facts as one JSON document for machines. Ids and counts only: no names, no student data.
 */
import type { CleverApiMetrics } from '../clever/api/index.js';
import { type RunSummary, runSummary, type SyncRunResult } from '../sync/index.js';
import { type Cell, formatDuration, formatTable } from './output.js';

export interface SyncReport {
  runId: string;
  status: SyncRunResult['status'];
  scope: SyncRunResult['scope'];
  full: boolean;
  dryRun: boolean;
  durationMs: number;
  recordsPerSecond: number;
  schools: { total: number; completed: number; failed: number; skipped: number };
  counts: SyncRunResult['counts'];
  clever: Pick<
    CleverApiMetrics,
    'requests' | 'retries' | 'rateLimited' | 'rateLimitWaits' | 'rateLimitWaitMs'
  >;
  /** Per district and school, as the SyncRun row's summary records them (src/sync runSummary). */
  districts: RunSummary['districts'];
  warnings: string[];
  error?: string | undefined;
}

export function buildSyncReport(result: SyncRunResult, metrics: CleverApiMetrics): SyncReport {
  return {
    runId: result.runId,
    status: result.status,
    scope: result.scope,
    full: result.full,
    dryRun: result.dryRun,
    durationMs: result.durationMs,
    recordsPerSecond:
      result.durationMs > 0 ? Math.round((result.counts.processed * 1_000) / result.durationMs) : 0,
    schools: {
      total: result.schoolsTotal,
      completed: result.schoolsCompleted,
      failed: result.schoolsFailed,
      skipped: result.schoolsSkipped,
    },
    counts: result.counts,
    clever: {
      requests: metrics.requests,
      retries: metrics.retries,
      rateLimited: metrics.rateLimited,
      rateLimitWaits: metrics.rateLimitWaits,
      rateLimitWaitMs: metrics.rateLimitWaitMs,
    },
    districts: runSummary(result).districts,
    warnings: result.warnings,
    ...(result.error ? { error: result.error } : {}),
  };
}

/** The human summary: one row per school, a totals row, then the run's facts. */
export function formatSyncReport(report: SyncReport): string {
  const rows: Cell[][] = [];
  for (const district of report.districts) {
    for (const school of district.schools) {
      const c = school.counts;
      rows.push([
        school.cleverSchoolId,
        school.status,
        school.syncType,
        c.processed,
        c.created,
        c.updated,
        c.archived,
        c.restored,
        c.invalid,
        c.failed,
      ]);
    }
  }
  const t = report.counts;
  rows.push([
    'TOTAL',
    report.status,
    '',
    t.processed,
    t.created,
    t.updated,
    t.archived,
    t.restored,
    t.invalid,
    t.failed,
  ]);
  const headers = [
    'school',
    'status',
    'type',
    'processed',
    'created',
    'updated',
    'archived',
    'restored',
    'invalid',
    'failed',
  ];
  const lines = [
    formatTable(headers, rows),
    '',
    `Run ${report.runId}: ${report.status}${report.dryRun ? ' (dry run: nothing written)' : ''} in ${formatDuration(report.durationMs)}` +
      ` - schools ${report.schools.completed}/${report.schools.total} done, ${report.schools.failed} failed, ${report.schools.skipped} skipped` +
      ` - ${report.recordsPerSecond} records/s`,
    `Clever: ${report.clever.requests} requests, ${report.clever.retries} retries, ${report.clever.rateLimitWaits} rate-limit waits (${formatDuration(report.clever.rateLimitWaitMs)})`,
  ];
  const attention = needsAttention(report);
  if (attention.length > 0)
    lines.push('', 'Needs attention:', ...attention.slice(0, 20).map((p) => `  - ${p}`));
  if (report.warnings.length > 0)
    lines.push('', 'Warnings:', ...report.warnings.slice(0, 20).map((w) => `  - ${w}`));
  return lines.join('\n');
}

/**
 * What an operator must act on, one line each, with the command that acts on it: failed and
 * disconnected districts, held schools and school lists (the exact `--force` command), failed schools.
 */
export function needsAttention(report: SyncReport): string[] {
  const lines: string[] = report.error ? [`run failed: ${report.error}`] : [];
  for (const d of report.districts) {
    if (d.disconnected) {
      lines.push(
        `district ${d.cleverDistrictId} disconnected from the app: it is no longer synced (reconnect it in Clever's district dashboard to resume)`,
      );
    } else if (d.error) {
      lines.push(
        `district ${d.cleverDistrictId} ${d.status === 'Skipped' ? 'not synced' : 'failed'}: ${d.error}`,
      );
    }
    const listHeld = d.warnings.filter((w) => w.startsWith('schools:'));
    if (d.status === 'Held' && listHeld.length > 0 && !d.schools.some((s) => s.status === 'Held')) {
      lines.push(
        `district ${d.cleverDistrictId} school list held (${listHeld.join('; ')}); to apply: clever-sync sync --district ${d.cleverDistrictId} --force`,
      );
    }
    for (const s of d.schools) {
      if (s.status === 'Held') {
        lines.push(
          `school ${s.cleverSchoolId} held (${(s.warnings ?? []).join('; ') || 'mass-archive guard'}); to apply: clever-sync sync --school ${s.cleverSchoolId} --force`,
        );
      } else if (s.error) {
        lines.push(`school ${s.cleverSchoolId} failed: ${s.error}`);
      }
    }
  }
  return lines;
}
