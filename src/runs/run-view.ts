/**
 * The public view of a sync run, read from what SessionDb stores so that any instance can answer
 * `GET /api/sync/runs/{runId}` (the run may be going on in another process or on the queue): the
 * SyncRun row, its per-school summary once the run has ended, and, while it runs (or for a run the
 * queue fan-out shared out, which stores no per-school summary), its SyncHistory rows.
 */
import type { SessionRepository, SyncHistoryRecord, SyncRunRecord } from '../db/index.js';
import { type SyncCounts, type SyncStatus, sumCounts } from '../domain/index.js';
import {
  districtHeldReasons,
  type ForceHint,
  httpForceHint,
  needsAttention,
  type RunOutcome,
} from './attention.js';

/** One school of a run: how far it got, as stored (no names: ids and counts only). */
export interface SchoolProgress {
  schoolId: number | null;
  cleverSchoolId: string;
  /** `Running` while the school is being synced; then Succeeded, Failed, Held or Skipped. */
  status: string;
  /** `Full`, `Incremental` or `Reconciliation`. */
  syncType: string | null;
  /** Roster rows (students, teachers, sections, courses, terms). */
  counts: SyncCounts;
  /** Per roster, and the section links as `enrollments` (created = added, archived = removed). */
  byEntity?: Record<string, SyncCounts>;
  error?: string | undefined;
}

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
  /** Each school of the run so far, in the order they were synced. */
  schools: SchoolProgress[];
  /**
   * What to act on, one line each, with the request that acts on it (a held school:
   * `POST /api/sync?schoolId=<cleverSchoolId>&force=true`). Empty while running and when all is well.
   */
  needsAttention: string[];
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

export type RunViewSession = Pick<SessionRepository, 'history' | 'schools' | 'districts'>;

export interface RunViewOptions {
  /** How `needsAttention` says to apply a held archive: the HTTP request (default) or the CLI flag. */
  force?: ForceHint;
  now?: Date;
}

/** The run as `GET /api/sync/runs/{runId}` shows it, per-school progress included. */
export async function loadRunView(
  session: RunViewSession,
  run: SyncRunRecord,
  options: RunViewOptions = {},
): Promise<RunView> {
  const summary = parseJson(run.summaryJson);
  const stored = outcomeFromSummary(summary);
  const outcome =
    stored.districts.some((d) => d.schools.length > 0) || run.dryRun
      ? stored
      : await outcomeFromHistory(session, run.runId);
  const finished = run.status !== 'Running';
  const attention = finished
    ? needsAttention(
        { ...outcome, error: outcome.districts.length === 0 ? run.errorSummary : undefined },
        options.force ?? httpForceHint,
      )
    : [];
  return {
    ...baseView(run, options.now ?? new Date()),
    schools: outcome.districts.flatMap((d) => d.schools.map(schoolProgress)),
    needsAttention: attention,
    summary,
    error: run.errorSummary,
    statusUrl: statusPath(run.runId),
  };
}

function baseView(run: SyncRunRecord, now: Date) {
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
  };
}

type StoredSchool = RunOutcome['districts'][number]['schools'][number] & Omit<SchoolProgress, 'error'>;
interface StoredOutcome extends RunOutcome {
  districts: (RunOutcome['districts'][number] & { schools: StoredSchool[] })[];
}

function schoolProgress(school: StoredSchool): SchoolProgress {
  return {
    schoolId: school.schoolId,
    cleverSchoolId: school.cleverSchoolId,
    status: school.status,
    syncType: school.syncType,
    counts: school.counts,
    ...(school.byEntity ? { byEntity: school.byEntity } : {}),
    ...(school.error ? { error: school.error } : {}),
  };
}

/**
 * The districts and schools of the summary the sync engine stores when a run ends
 * (src/sync/sync-service.ts runSummary). Read tolerantly: rows written by older releases, or by
 * the queue fan-out (`{ schoolLists }`), simply have no schools here.
 */
export function outcomeFromSummary(summary: unknown): StoredOutcome {
  const districts = isRecord(summary) && Array.isArray(summary.districts) ? summary.districts : [];
  return {
    districts: districts.filter(isRecord).map((d) => {
      const schools = (Array.isArray(d.schools) ? d.schools : []).filter(isRecord).map(
        (s): StoredSchool => ({
          schoolId: typeof s.schoolId === 'number' ? s.schoolId : null,
          cleverSchoolId: String(s.cleverSchoolId ?? '?'),
          status: String(s.status ?? 'unknown'),
          syncType: typeof s.syncType === 'string' ? s.syncType : null,
          counts: countsOf(s.counts),
          ...(isRecord(s.byEntity) ? { byEntity: byEntityOf(s.byEntity) } : {}),
          error: typeof s.error === 'string' ? s.error : undefined,
          heldReasons: s.status === 'Held' ? strings(s.warnings) : undefined,
        }),
      );
      const district = {
        cleverDistrictId: String(d.cleverDistrictId ?? '?'),
        status: String(d.status ?? 'unknown'),
        error: typeof d.error === 'string' ? d.error : undefined,
        disconnected: d.disconnected === true,
        schools,
      };
      return {
        ...district,
        heldReasons: districtHeldReasons({ ...district, warnings: strings(d.warnings) }),
      };
    }),
  };
}

/** Per-school outcomes from SyncHistory (one row per school and entity; a retry adds rows). */
async function outcomeFromHistory(session: RunViewSession, runId: string): Promise<StoredOutcome> {
  const rows = (await session.history.list({ runId })).filter((r) => r.schoolId !== null);
  rows.sort((a, b) => a.id - b.id);
  const bySchool = new Map<number, SyncHistoryRecord[]>();
  for (const row of rows) bySchool.set(row.schoolId!, [...(bySchool.get(row.schoolId!) ?? []), row]);
  const districtIds = [...new Set(rows.map((r) => r.districtId).filter((id): id is number => id !== null))];
  const cleverSchoolIds = new Map<number, string>();
  const districts: StoredOutcome['districts'] = [];
  for (const districtId of districtIds) {
    for (const school of await session.schools.list({ districtId })) {
      cleverSchoolIds.set(school.id, school.cleverSchoolId);
    }
    const district = await session.districts.findById(districtId);
    districts.push({
      cleverDistrictId: district?.cleverDistrictId ?? String(districtId),
      status: '',
      schools: [],
    });
  }
  for (const [schoolId, schoolRows] of bySchool) {
    const index = districtIds.indexOf(schoolRows[0]?.districtId ?? -1);
    const target = districts[index] ?? districts[0];
    if (!target) continue;
    target.schools.push(
      schoolFromHistory(schoolId, cleverSchoolIds.get(schoolId) ?? String(schoolId), schoolRows),
    );
  }
  return { districts };
}

function schoolFromHistory(
  schoolId: number,
  cleverSchoolId: string,
  rows: SyncHistoryRecord[],
): StoredSchool {
  // The newest row per entity decides (a queue retry of the school writes new rows).
  const latest = [...new Map(rows.map((r) => [r.entity, r])).values()];
  const statuses = latest.map((r) => r.status);
  const status = statuses.includes('Running')
    ? 'Running'
    : statuses.some((s) => s === 'Failed' || s === 'Abandoned')
      ? 'Failed'
      : statuses.includes('Held')
        ? 'Held'
        : (statuses[0] ?? 'Running');
  const error = latest.find((r) => r.errorSummary)?.errorSummary ?? undefined;
  return {
    schoolId,
    cleverSchoolId,
    status,
    syncType: latest[0]?.syncType ?? null,
    counts: sumCounts(rows.filter((r) => r.entity !== 'enrollments').map((r) => r.counts)),
    byEntity: Object.fromEntries(
      [...new Set(rows.map((r) => r.entity))].map((entity) => [
        entity,
        sumCounts(rows.filter((r) => r.entity === entity).map((r) => r.counts)),
      ]),
    ),
    error: status === 'Failed' ? error : undefined,
    heldReasons: status === 'Held' ? latest.flatMap((r) => strings(parseJson(r.warningsJson))) : undefined,
  };
}

function byEntityOf(value: Record<string, unknown>): Record<string, SyncCounts> {
  return Object.fromEntries(Object.entries(value).map(([entity, counts]) => [entity, countsOf(counts)]));
}

function countsOf(value: unknown): SyncCounts {
  const counts = isRecord(value) ? value : {};
  const n = (key: keyof SyncCounts) => (typeof counts[key] === 'number' ? (counts[key] as number) : 0);
  return {
    processed: n('processed'),
    created: n('created'),
    updated: n('updated'),
    archived: n('archived'),
    restored: n('restored'),
    failed: n('failed'),
    invalid: n('invalid'),
  };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}
