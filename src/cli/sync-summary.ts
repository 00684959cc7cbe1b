/**
 * The end-of-run report of `clever-sync sync` (and the demo): a per-school table for people, the
 * same facts as one JSON document for machines. Ids and counts only: no names, no student data.
 */
import type { CleverApiMetrics } from '../clever/api/index.js';
import { cliForceHint, needsAttention, outcomeFromSummary } from '../runs/index.js';
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
  /** Per roster, and the section links as `enrollments`. */
  byEntity: SyncRunResult['byEntity'];
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
    byEntity: result.byEntity,
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
  const lines = [formatTable(headers, rows), '', ...formatByEntity(report.byEntity)];
  lines.push(
    `Run ${report.runId}: ${report.status}${report.dryRun ? ' (dry run: nothing written)' : ''} in ${formatDuration(report.durationMs)}` +
      ` - schools ${report.schools.completed}/${report.schools.total} done, ${report.schools.failed} failed, ${report.schools.skipped} skipped` +
      ` - ${report.recordsPerSecond} records/s`,
    `Clever: ${report.clever.requests} requests, ${report.clever.retries} retries, ${report.clever.rateLimitWaits} rate-limit waits (${formatDuration(report.clever.rateLimitWaitMs)})`,
  );
  const attention = needsAttention({ ...outcomeFromSummary(report), error: report.error }, cliForceHint);
  if (attention.length > 0) lines.push('', ...formatAttention(attention));
  if (report.warnings.length > 0)
    lines.push('', 'Warnings:', ...report.warnings.slice(0, 20).map((w) => `  - ${w}`));
  return lines.join('\n');
}

const ENTITY_ORDER = ['students', 'teachers', 'sections', 'courses', 'terms', 'enrollments'] as const;

/**
 * Totals per roster, when more than students and teachers synced: one line each, enrollments
 * (section links) last, where "created" is links added and "archived" links removed.
 */
export function formatByEntity(byEntity: SyncReport['byEntity']): string[] {
  const present = ENTITY_ORDER.filter((entity) => byEntity[entity] !== undefined);
  if (!present.some((entity) => entity !== 'students' && entity !== 'teachers')) return [];
  const rows: Cell[][] = present.map((entity) => {
    const c = byEntity[entity]!;
    return [entity, c.processed, c.created, c.updated, c.archived, c.restored, c.invalid, c.failed];
  });
  const headers = ['roster', 'processed', 'created', 'updated', 'archived', 'restored', 'invalid', 'failed'];
  return [formatTable(headers, rows), ''];
}

/** The "Needs attention" block of the CLI: at most 20 lines, each to act on. */
export function formatAttention(attention: readonly string[]): string[] {
  return ['Needs attention:', ...attention.slice(0, 20).map((line) => `  - ${line}`)];
}
