/**
 * Runs shared by several processes (queue scale-out): no process holds the whole result, so the
 * run's status and totals are rebuilt from SyncHistory, which every process writes, by the same
 * rollup rules as an in-process run (rollup.ts). The last process to finish leaves the run complete.
 */
import type { SessionRepository, SyncHistoryRecord } from '../../db/index.js';
import { sumCounts } from '../../domain/index.js';
import type { SchoolSyncStatus, SyncRunCompletion } from '../types.js';
import { districtStatus, runStatus } from './rollup.js';

export async function refreshAttachedRun(
  session: SessionRepository,
  runId: string,
  now: () => Date,
): Promise<SyncRunCompletion | undefined> {
  const run = await session.runs.get(runId);
  if (!run) return undefined;
  const all = await session.history.list({ runId, limit: 1_000_000 });
  // Rows without a school are the run's district and school-list rows.
  const lists = all.filter((row) => row.schoolId === null);
  const rows = all.filter((row) => row.schoolId !== null).sort((a, b) => a.id - b.id);
  // A queue retry of a school writes new rows: only the newest row per school and entity decides.
  const latest = new Map<string, SyncHistoryRecord>();
  for (const row of rows) latest.set(`${row.schoolId}:${row.entity}`, row);
  const schools = schoolOutcomes(latest.values());
  // Record counts: roster rows; enrollments (section links) are counted per entity in SyncHistory.
  const records = rows.filter((row) => row.entity !== 'enrollments');

  const completed = [...schools.values()].filter(
    (s) => s.status !== 'Running' && s.status !== 'Failed',
  ).length;
  const failed = [...schools.values()].filter((s) => s.status === 'Failed').length;
  const running = [...schools.values()].some((s) => s.status === 'Running');
  const finished = !running && completed + failed >= run.schoolsTotal;

  const districtIds = [...new Set([...schools.values(), ...lists].map((r) => r.districtId))];
  const districts = districtIds.map((districtId) => {
    const ofDistrict = [...schools.values()].filter((s) => s.districtId === districtId);
    const listRows = lists.filter((r) => r.districtId === districtId);
    return {
      districtId,
      status: districtStatus(
        undefined,
        ofDistrict.map((s) => ({ status: s.status === 'Running' ? 'Succeeded' : s.status })),
        {
          held: listRows.some((r) => r.status === 'Held'),
          failed: listRows.some((r) => r.status === 'Failed'),
        },
      ),
      counts: sumCounts(records.filter((r) => r.districtId === districtId).map((r) => r.counts)),
    };
  });
  const status = finished ? runStatus(undefined, districts) : 'Running';
  // Every attempt's counts add up: a failed attempt's committed chunks are unchanged rows for the retry.
  const counts = sumCounts(records.map((r) => r.counts));
  const completedAt = finished ? now() : null;
  await session.runs.update(runId, {
    schoolsCompleted: completed,
    schoolsFailed: failed,
    counts,
    status,
    completedAt,
  });
  if (status === 'Running' || run.status !== 'Running') return undefined;
  return {
    runId,
    trigger: run.trigger,
    status,
    dryRun: run.dryRun,
    durationMs: completedAt!.getTime() - run.startedAt.getTime(),
    schoolsTotal: run.schoolsTotal,
    schoolsFailed: failed,
    counts,
    districts: await cleverIdsOf(session, districts),
  };
}

type Outcome = { districtId: number | null; status: SchoolSyncStatus | 'Running' };

/** Each school's outcome from its newest rows: Running while any is, Failed when any failed or was abandoned. */
function schoolOutcomes(latest: Iterable<SyncHistoryRecord>): Map<number, Outcome> {
  const bySchool = new Map<number, { districtId: number | null; statuses: string[] }>();
  for (const row of latest) {
    const entry = bySchool.get(row.schoolId!) ?? { districtId: row.districtId, statuses: [] };
    entry.statuses.push(row.status);
    bySchool.set(row.schoolId!, entry);
  }
  const outcomes = new Map<number, Outcome>();
  for (const [schoolId, { districtId, statuses }] of bySchool) {
    const status: Outcome['status'] = statuses.includes('Running')
      ? 'Running'
      : statuses.some((s) => s === 'Failed' || s === 'Abandoned')
        ? 'Failed'
        : statuses.includes('Held')
          ? 'Held'
          : 'Succeeded';
    outcomes.set(schoolId, { districtId, status });
  }
  return outcomes;
}

async function cleverIdsOf(
  session: SessionRepository,
  districts: { districtId: number | null; status: string; counts: SyncRunCompletion['counts'] }[],
): Promise<SyncRunCompletion['districts']> {
  const outcomes: SyncRunCompletion['districts'] = [];
  for (const { districtId, status, counts } of districts) {
    if (districtId === null) continue;
    const district = await session.districts.findById(districtId);
    if (district) outcomes.push({ cleverDistrictId: district.cleverDistrictId, status, counts });
  }
  return outcomes;
}
