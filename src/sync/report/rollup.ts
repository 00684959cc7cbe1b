/**
 * How outcomes roll up into statuses: schools into their district, districts into the run. One
 * table of rules, so a run reports the same status whichever path produced it.
 *
 * - Skipped means "another run is syncing it": not a failure, but not done by this run either. A
 *   district (or run) whose every part was skipped is Skipped; mixed with work done, it makes the
 *   whole PartiallySucceeded, because this run did not cover everything it was asked to.
 * - A district that could not be synced at all (not connected, disconnected, or failed before its
 *   schools) counts as failed.
 * - Held (the mass-archive guard) shows only when nothing failed or was skipped: those need
 *   attention first, and the held school still shows in the per-school results.
 */
import type { DistrictSyncResult, SchoolSyncResult, SyncRunResult } from '../types.js';

export type DistrictStatus = DistrictSyncResult['status'];
export type RunStatus = SyncRunResult['status'];

type Tally = { total: number; failed: number; skipped: number; partial: number; held: number };

function rollup(tally: Tally): DistrictStatus {
  if (tally.total === 0) return tally.held > 0 ? 'Held' : 'Succeeded';
  if (tally.failed === tally.total) return 'Failed';
  if (tally.skipped === tally.total) return 'Skipped';
  if (tally.failed + tally.skipped + tally.partial > 0) return 'PartiallySucceeded';
  return tally.held > 0 ? 'Held' : 'Succeeded';
}

/**
 * A district's status from its own error, its school list and its schools' outcomes. A school list
 * that could not be refreshed while its schools still synced (from the list SessionDb knew, as the
 * queue fan-out does) is one failed part among them.
 */
export function districtStatus(
  error: string | undefined,
  schools: readonly Pick<SchoolSyncResult, 'status'>[],
  schoolList: { held: boolean; failed?: boolean },
): DistrictStatus {
  if (error) return 'Failed';
  const listFailed = schoolList.failed ? 1 : 0;
  return rollup({
    total: schools.length + listFailed,
    failed: schools.filter((s) => s.status === 'Failed').length + listFailed,
    skipped: schools.filter((s) => s.status === 'Skipped').length,
    partial: 0,
    held: schools.filter((s) => s.status === 'Held').length + (schoolList.held ? 1 : 0),
  });
}

/**
 * A run's status from its own error and its districts. A district Skipped with an error was not
 * synced because it has not authorized the app or disconnected: a failure, not another run's work.
 */
export function runStatus(
  error: string | undefined,
  districts: readonly Pick<DistrictSyncResult, 'status' | 'error'>[],
): RunStatus {
  if (error) return 'Failed';
  const unsynced = (d: (typeof districts)[number]) => d.status === 'Skipped' && d.error !== undefined;
  return rollup({
    total: districts.length,
    failed: districts.filter((d) => d.status === 'Failed' || unsynced(d)).length,
    skipped: districts.filter((d) => d.status === 'Skipped' && !unsynced(d)).length,
    partial: districts.filter((d) => d.status === 'PartiallySucceeded').length,
    held: districts.filter((d) => d.status === 'Held').length,
  });
}
