/**
 * The district's own piece of a run (its record, its school list, its events cursor), recorded
 * like a school's: a `districts` SyncHistory row per district and run, and an alert once the
 * district has failed `alertAfterFailures` runs in a row. Without it, a district that failed before
 * its school list was read (six 429s on `/districts/{id}`) left no trace anywhere.
 *
 * A district Clever lists for the first time gets its SessionDb row before anything else, named by
 * its id until `/districts/{id}` answers, so even its first failures are recorded and counted.
 */
import type { DistrictRecord, SessionRepository } from '../../db/index.js';
import { zeroCounts } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import { districtFailingAlert } from '../report/alerts.js';
import { describeError, errorForLog } from '../report/error-text.js';
import type { Run } from './run.js';

interface DistrictTrace {
  /** The district's SessionDb row (null only in a dry run of a district SessionDb does not know). */
  readonly district: DistrictRecord | null;
  /** Completes the district's history row; on failure, counts the streak and alerts. */
  finish(error?: unknown): Promise<void>;
}

async function startDistrictTrace(
  run: Run,
  session: Pick<SessionRepository, 'districts' | 'history'>,
  cleverDistrictId: string,
  known: DistrictRecord | null,
  logger: Logger,
): Promise<DistrictTrace> {
  const district =
    known ??
    (run.options.dryRun
      ? null
      : await session.districts.upsert({ cleverDistrictId, name: cleverDistrictId }));
  const entry = await run.history.start({
    districtId: district?.id ?? null,
    schoolId: null,
    entity: 'districts',
    syncType: 'Full',
  });
  return {
    district,
    async finish(error) {
      const message = error === undefined ? null : describeError(error);
      try {
        await entry.complete({
          status: message === null ? 'Succeeded' : 'Failed',
          counts: zeroCounts(),
          errorSummary: message,
        });
        if (message === null || district === null || run.options.dryRun) return;
        const failures = await consecutiveFailures(session, district.id, run.settings.alertAfterFailures);
        if (failures < run.settings.alertAfterFailures) return;
        await run.alert(
          districtFailingAlert({
            runId: run.id,
            districtId: district.id,
            cleverDistrictId,
            consecutiveFailures: failures,
            error: message,
          }),
          logger,
        );
      } catch (caught) {
        logger.error({ err: errorForLog(caught) }, 'could not record the district outcome');
      }
    },
  };
}

/** Failed `districts` rows of the district, newest first, up to its last success. */
async function consecutiveFailures(
  session: Pick<SessionRepository, 'history'>,
  districtId: number,
  alertAfter: number,
): Promise<number> {
  const rows = await session.history.list({
    districtId,
    entity: 'districts',
    limit: Math.max(50, alertAfter),
  });
  let streak = 0;
  for (const row of rows) {
    if (row.status !== 'Failed') break;
    streak += 1;
  }
  return streak;
}

/**
 * Runs the district's own work under its trace: the SyncHistory row completes with the work's
 * outcome (a thrown error fails it, counts the streak and may alert) and the error goes on up.
 */
export async function traceDistrict<T>(
  run: Run,
  session: Pick<SessionRepository, 'districts' | 'history'>,
  cleverDistrictId: string,
  known: DistrictRecord | null,
  logger: Logger,
  work: (district: DistrictRecord | null) => Promise<T>,
): Promise<T> {
  const trace = await startDistrictTrace(run, session, cleverDistrictId, known, logger);
  let result: T;
  try {
    result = await work(trace.district);
  } catch (error) {
    await trace.finish(error);
    throw error;
  }
  await trace.finish();
  return result;
}
