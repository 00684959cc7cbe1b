/**
 * Schools Clever stopped sharing. Archiving the SessionDb row alone would leave the school's
 * students and teachers active in its database, so apps reading it would keep showing them. The
 * roster is archived first (every active row of each entity, as Clever unshares each record with
 * its school) and only then the school row, so a school whose database cannot be reached stays
 * active in SessionDb and is tried again on the next run. The school is marked for a full sync:
 * when Clever shares it again, that sync restores the rows that come back.
 *
 * This runs only when the school list passed the mass-archive guard (a district unsharing many of
 * its schools at once is held before anything here happens).
 */
import type { SchoolDatabaseProvider, SchoolRecord, SessionRepository } from '../../db/index.js';
import type { SyncCounts } from '../../domain/index.js';
import { addCounts, zeroCounts } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import { describeError, errorForLog } from '../report/error-text.js';
import type { SchoolSyncResult } from '../types.js';
import type { Run } from './run.js';
import type { SchoolBook } from './school-book.js';
import { refOf } from './school-pull.js';

export interface UnsharedDeps {
  databases: SchoolDatabaseProvider;
  schools: SessionRepository['schools'];
  book: SchoolBook;
}

export const UNSHARED_WARNING = 'school no longer shared by Clever: its roster was archived';

export interface UnsharedOutcome {
  /** One result per school whose roster was archived (or failed to be). */
  results: SchoolSyncResult[];
  /** Schools whose roster could not be archived: they stay active in SessionDb until it can. */
  kept: SchoolRecord[];
}

export async function archiveUnsharedSchools(
  run: Run,
  deps: UnsharedDeps,
  schools: readonly SchoolRecord[],
  logger: Logger,
): Promise<UnsharedOutcome> {
  const results: SchoolSyncResult[] = [];
  const kept: SchoolRecord[] = [];
  for (const school of schools) {
    const result = await archiveRoster(run, deps, school, logger);
    results.push(result);
    if (result.status === 'Failed') kept.push(school);
  }
  return { results, kept };
}

async function archiveRoster(
  run: Run,
  deps: UnsharedDeps,
  school: SchoolRecord,
  logger: Logger,
): Promise<SchoolSyncResult> {
  const started = Date.now();
  const log = logger.child({ schoolId: school.id, cleverSchoolId: school.cleverSchoolId });
  const counts = zeroCounts();
  const base = {
    schoolId: school.id,
    cleverSchoolId: school.cleverSchoolId,
    districtId: school.districtId,
    syncType: 'Full' as const,
    reason: 'unshared',
    entities: [],
  };
  try {
    // A school that never synced has no rows to archive (and may have no database).
    if (school.lastSuccessfulSyncAt !== null || school.databaseName !== null) {
      const roster = await deps.databases.forSchool(refOf(school));
      const at = run.now();
      for (const entity of run.settings.entities) {
        const entry = await run.history.start({
          districtId: school.districtId,
          schoolId: school.id,
          entity,
          syncType: 'Full',
        });
        const entityCounts: SyncCounts = zeroCounts();
        try {
          // Rows "not seen by this run" are all of them: this run pulls nothing for the school.
          entityCounts.archived = await roster.archiveUnseen(entity, run.id, at);
        } catch (error) {
          await entry
            .complete({ status: 'Failed', counts: entityCounts, errorSummary: describeError(error) })
            .catch(() => undefined);
          throw error;
        }
        await entry.complete({ status: 'Succeeded', counts: entityCounts, warnings: [UNSHARED_WARNING] });
        addCounts(counts, entityCounts);
      }
      // Its sections are archived, and their links with them.
      if (run.settings.entities.includes('sections')) await roster.pruneLinks();
    }
    await deps.schools.setRequiresFullSync(school.id, true);
    log.info({ archived: counts.archived }, 'archived the roster of a school no longer shared');
    return {
      ...base,
      status: 'Succeeded',
      counts,
      durationMs: Date.now() - started,
      warnings: [UNSHARED_WARNING],
    };
  } catch (error) {
    const message = `school no longer shared by Clever, but its roster could not be archived: ${describeError(error)}`;
    log.error({ err: errorForLog(error) }, 'could not archive the roster of a school no longer shared');
    await deps.book.failed(school, message);
    return {
      ...base,
      status: 'Failed',
      counts,
      durationMs: Date.now() - started,
      error: message,
      warnings: [],
    };
  }
}
