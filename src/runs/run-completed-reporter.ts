/**
 * Reports each completed run to telemetry (`CleverSyncRunCompleted`, which the alert rules and the
 * workbook read), with how many schools of each district synced in full and incrementally. The
 * engine's completion does not carry sync types; SyncHistory, which every kind of run writes (one
 * row per school and entity), does, so the reporter reads them from there after the run is stored.
 */
import type { SessionRepository, SyncHistoryRecord } from '../db/index.js';
import type { SyncRunCompletion } from '../sync/index.js';
import { type Logger, type SchoolSyncTypes, type Telemetry, trackRunCompleted } from '../telemetry/index.js';

export interface RunCompletedReporter {
  onRunCompleted(run: SyncRunCompletion): void;
  /** Resolves when every report started so far has been handed to telemetry (before closing SessionDb). */
  settled(): Promise<void>;
}

export function createRunCompletedReporter(deps: {
  telemetry: Telemetry;
  session: Pick<SessionRepository, 'history' | 'districts'>;
  logger: Logger;
}): RunCompletedReporter {
  const pending = new Set<Promise<void>>();

  async function report(run: SyncRunCompletion): Promise<void> {
    let types = new Map<string, SchoolSyncTypes>();
    try {
      if (!run.dryRun) types = await schoolSyncTypes(deps.session, run.runId);
    } catch (error) {
      // The event matters more than its sync types: report it without them.
      deps.logger.warn({ runId: run.runId, err: error }, "could not read the run's sync types for telemetry");
    }
    trackRunCompleted(deps.telemetry, {
      ...run,
      districts: run.districts.map((d) => ({ ...d, schoolSyncTypes: types.get(d.cleverDistrictId) })),
    });
  }

  return {
    onRunCompleted(run) {
      // Nothing reads the event without Application Insights: no SessionDb query either.
      if (!deps.telemetry.enabled) return;
      const reported = report(run).finally(() => pending.delete(reported));
      pending.add(reported);
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/**
 * Per Clever district id: how many schools' newest students (else teachers) row was Incremental,
 * and how many read Clever in full (`Full`, or `Reconciliation`: a full pull without events).
 */
async function schoolSyncTypes(
  session: Pick<SessionRepository, 'history' | 'districts'>,
  runId: string,
): Promise<Map<string, SchoolSyncTypes>> {
  const rows = (await session.history.list({ runId })).sort((a, b) => a.id - b.id);
  const bySchool = new Map<number, SyncHistoryRecord>();
  for (const row of rows) {
    if (row.schoolId === null || row.districtId === null) continue;
    const kept = bySchool.get(row.schoolId);
    // The newest row decides (a queue retry writes new ones); students before teachers.
    if (!kept || row.entity === 'students' || kept.entity !== 'students') bySchool.set(row.schoolId, row);
  }
  const byDistrict = new Map<number, SchoolSyncTypes>();
  for (const row of bySchool.values()) {
    const types = byDistrict.get(row.districtId!) ?? { full: 0, incremental: 0 };
    if (row.syncType === 'Incremental') types.incremental += 1;
    else types.full += 1;
    byDistrict.set(row.districtId!, types);
  }
  const result = new Map<string, SchoolSyncTypes>();
  for (const [districtId, types] of byDistrict) {
    const district = await session.districts.findById(districtId);
    if (district) result.set(district.cleverDistrictId, types);
  }
  return result;
}
