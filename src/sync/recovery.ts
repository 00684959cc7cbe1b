/**
 * Crash recovery: SyncRun and SyncHistory rows still Running whose process is gone become
 * Abandoned. "Gone" is decided by leases, not by age, so a long sync in another process is never
 * mistaken for a dead one: every Running row is covered by a lease its run renews (history rows
 * by the school/district/all lease, runs by `sync:run:<id>`); once that lease is free (expired)
 * or held by another run, nobody is finishing the row.
 */
import { randomUUID } from 'node:crypto';
import type { SessionRepository, SyncHistoryRecord } from '../db/index.js';
import type { Logger } from '../telemetry/index.js';
import { leaseKeys, runIdOfHolder } from './leases.js';

const HISTORY_SCAN = 500;
const RUN_SCAN = 100;
const ABANDONED = 'The process running this sync ended before it finished (found on a later start).';

export async function recoverAbandoned(
  session: SessionRepository,
  now: () => Date,
  logger: Logger,
  isOwnRun: (runId: string) => boolean,
): Promise<{ runs: number; history: number }> {
  const probeHolder = `recovery#${randomUUID().slice(0, 8)}`;
  const isAlive = async (key: string, runId: string): Promise<boolean> => {
    const result = await session.leases.tryAcquire(key, probeHolder, 30);
    if (result.acquired) {
      await session.leases.release(key, probeHolder);
      return false;
    }
    return runIdOfHolder(result.holder) === runId;
  };
  const districtKeys = new Map<number, string | null>();
  const keyFor = async (row: SyncHistoryRecord): Promise<string | null> => {
    if (row.schoolId !== null) return leaseKeys.school(row.schoolId);
    // A run's discovery row (no district) lives under the `all` lease; a district's own row under its lease.
    if (row.districtId === null) return row.entity === 'districts' ? leaseKeys.all() : null;
    if (!districtKeys.has(row.districtId)) {
      const district = await session.districts.findById(row.districtId);
      districtKeys.set(row.districtId, district ? leaseKeys.district(district.cleverDistrictId) : null);
    }
    return districtKeys.get(row.districtId) ?? null;
  };

  let history = 0;
  const liveRuns = new Set<string>();
  // Only Running rows, through the (status, startedAt) index: reading the newest rows of every
  // status cost a quiet night's run 105 ms once the history had grown.
  const rows = await session.history.list({ status: 'Running', limit: HISTORY_SCAN });
  for (const row of rows) {
    if (row.status !== 'Running' || isOwnRun(row.runId)) continue;
    const key = await keyFor(row);
    if (key !== null && (await isAlive(key, row.runId))) {
      liveRuns.add(row.runId);
      continue;
    }
    await session.history.complete(row.id, {
      status: 'Abandoned',
      counts: row.counts,
      completedAt: now(),
      errorSummary: ABANDONED,
    });
    history += 1;
  }

  let runs = 0;
  for (const run of await session.runs.listRecent(RUN_SCAN)) {
    if (run.status !== 'Running' || isOwnRun(run.runId) || liveRuns.has(run.runId)) continue;
    if (await isAlive(leaseKeys.run(run.runId), run.runId)) continue;
    await session.runs.update(run.runId, {
      status: 'Abandoned',
      completedAt: now(),
      errorSummary: ABANDONED,
    });
    runs += 1;
  }
  if (runs + history > 0)
    logger.warn({ runs, history }, 'marked sync rows of a crashed process as Abandoned');
  return { runs, history };
}
