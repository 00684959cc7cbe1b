/**
 * Runs shared by several processes (queue scale-out): no process holds the whole result, so the
 * run's status and totals are rebuilt from SyncHistory, which every process writes.
 */
import type { SessionRepository, SyncHistoryRecord } from '../db/types.js';
import { sumCounts } from '../domain/index.js';
import type { SyncRunCompletion, SyncRunResult } from './types.js';

/**
 * A run shared by several processes (queue fan-out): its totals are recomputed from SyncHistory,
 * which every process writes, so the last process to finish leaves the run complete.
 */
export async function refreshAttachedRun(
  session: SessionRepository,
  runId: string,
  now: () => Date,
): Promise<SyncRunCompletion | undefined> {
  const run = await session.runs.get(runId);
  if (!run) return undefined;
  const all = await session.history.list({ runId, limit: 1_000_000 });
  // Rows without a school are the fan-out's school-list refresh: they count as in an in-process run.
  const lists = all.filter((r) => r.schoolId === null);
  const rows = all.filter((r) => r.schoolId !== null).sort((a, b) => a.id - b.id);
  // A queue retry of a school writes new rows: only the newest row per school and entity decides.
  const latest = new Map<string, SyncHistoryRecord>();
  for (const row of rows) latest.set(`${row.schoolId}:${row.entity}`, row);
  const bySchool = new Map<number, string[]>();
  for (const row of latest.values()) {
    bySchool.set(row.schoolId!, [...(bySchool.get(row.schoolId!) ?? []), row.status]);
  }
  const tally = withLists(tallySchools(bySchool.values()), lists);
  const { completed, failed } = tally;
  const finished = tally.running === 0 && completed + failed >= run.schoolsTotal;
  const status = finished ? statusOf(tally) : 'Running';
  // Every attempt's counts add up: a failed attempt's committed chunks are unchanged rows for the retry.
  const counts = sumCounts(rows.map((r) => r.counts));
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
    districts: await districtOutcomes(session, [...latest.values()], rows, lists),
  };
}

interface SchoolTally {
  completed: number;
  failed: number;
  running: number;
  held: boolean;
  /** A school list could not be refreshed (its schools may still have synced from SessionDb's list). */
  listFailed: boolean;
}

/** Each school's newest statuses (one per entity) -> how many schools completed, failed, still run. */
function tallySchools(schools: Iterable<string[]>): SchoolTally {
  const tally: SchoolTally = { completed: 0, failed: 0, running: 0, held: false, listFailed: false };
  for (const statuses of schools) {
    if (statuses.includes('Running')) tally.running += 1;
    else if (statuses.some((s) => s === 'Failed' || s === 'Abandoned')) tally.failed += 1;
    else tally.completed += 1;
    if (statuses.includes('Held')) tally.held = true;
  }
  return tally;
}

/** A held school list holds the run and a failed one fails it (in part), as a district of an in-process run. */
function withLists(tally: SchoolTally, lists: readonly SyncHistoryRecord[]): SchoolTally {
  return {
    ...tally,
    held: tally.held || lists.some((r) => r.status === 'Held'),
    listFailed: lists.some((r) => r.status === 'Failed'),
  };
}

function statusOf(tally: SchoolTally): Exclude<SyncRunResult['status'], 'Abandoned'> {
  if (tally.failed === 0 && !tally.listFailed) return tally.held ? 'Held' : 'Succeeded';
  return tally.completed === 0 ? 'Failed' : 'PartiallySucceeded';
}

/** Per-district outcome of a queue-shared run, from the newest history row of each school and entity. */
async function districtOutcomes(
  session: SessionRepository,
  latest: SyncHistoryRecord[],
  all: SyncHistoryRecord[],
  lists: SyncHistoryRecord[],
): Promise<SyncRunCompletion['districts']> {
  const districtIds = [
    ...new Set([...latest, ...lists].map((r) => r.districtId).filter((id): id is number => id !== null)),
  ];
  const outcomes: SyncRunCompletion['districts'] = [];
  for (const districtId of districtIds) {
    const district = await session.districts.findById(districtId);
    if (!district) continue;
    const bySchool = new Map<number, string[]>();
    for (const row of latest.filter((r) => r.districtId === districtId)) {
      bySchool.set(row.schoolId!, [...(bySchool.get(row.schoolId!) ?? []), row.status]);
    }
    outcomes.push({
      cleverDistrictId: district.cleverDistrictId,
      status: statusOf(
        withLists(
          tallySchools(bySchool.values()),
          lists.filter((r) => r.districtId === districtId),
        ),
      ),
      counts: sumCounts(all.filter((r) => r.districtId === districtId).map((r) => r.counts)),
    });
  }
  return outcomes;
}
