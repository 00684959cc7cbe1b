/**
 * What SessionDb remembers of a school's outcome in a run: success resets its failure streak and
 * moves its events cursor; a failure extends the streak and, from `alertAfterFailures` on, alerts
 * every time; a hold keeps the archives back (and, after a full pull, keeps the school on full
 * pulls) and alerts. A dry run remembers nothing.
 */
import type { SchoolRecord, SessionRepository } from '../../db/index.js';
import { archiveHeldAlert, schoolFailingAlert } from '../report/alerts.js';
import { errorForLog } from '../report/error-text.js';
import type { Run } from './run.js';

export interface SchoolBook {
  /** The school synced: cursor moved (`undefined` leaves it), streak reset, last success now. */
  succeeded(school: SchoolRecord, cursor: string | null | undefined): Promise<void>;
  /** Archives held by the guard. `stayFull`: a full pull held, so the next run pulls in full again. */
  held(school: SchoolRecord, reasons: string[], options: { stayFull: boolean }): Promise<void>;
  /** The school failed: the streak grows; past the threshold, an alert. Never throws. */
  failed(school: SchoolRecord, message: string): Promise<void>;
}

export function schoolBook(run: Run, schools: SessionRepository['schools']): SchoolBook {
  if (run.options.dryRun) {
    return { succeeded: async () => {}, held: async () => {}, failed: async () => {} };
  }
  return {
    async succeeded(school, cursor) {
      await schools.recordSuccess(school.id, run.now(), cursor);
    },
    async held(school, reasons, { stayFull }) {
      if (stayFull) await schools.setRequiresFullSync(school.id, true);
      await run.alert(
        archiveHeldAlert({
          runId: run.id,
          districtId: school.districtId,
          schoolId: school.id,
          cleverSchoolId: school.cleverSchoolId,
          reasons,
        }),
      );
    },
    async failed(school, message) {
      try {
        const failures = await schools.recordFailure(school.id);
        if (failures < run.settings.alertAfterFailures) return;
        await run.alert(
          schoolFailingAlert({
            runId: run.id,
            districtId: school.districtId,
            schoolId: school.id,
            cleverSchoolId: school.cleverSchoolId,
            consecutiveFailures: failures,
            error: message,
          }),
        );
      } catch (error) {
        run.logger.error({ schoolId: school.id, err: errorForLog(error) }, 'could not record school failure');
      }
    },
  };
}
