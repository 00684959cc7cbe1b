/**
 * A district's record and school list: every run re-reads `/districts/{id}` and `/schools` (one request per page, cheap) and
 * upserts it into SessionDb, so new schools are onboarded and unshared ones archived even when
 * events were missed. The mass-archive guard applies here too: an empty or much shorter list is
 * far likelier a sharing problem than a district closing its schools.
 */

import type { CleverApiClient, CleverDistrictApi } from '../../clever/api/index.js';
import type {
  DistrictRecord,
  SchoolDatabaseProvider,
  SchoolRecord,
  SchoolUpsert,
  SessionRepository,
} from '../../db/index.js';
import type { SyncCounts } from '../../domain/index.js';
import { zeroCounts } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { SchoolTarget } from '../plan/school-plan.js';
import { describeError, errorForLog } from '../report/error-text.js';
import type { SchoolSyncResult } from '../types.js';
import { checkArchiveGuard } from './archive-guard.js';
import { mapSchool, parseTimestamp } from './mapping.js';
import { prefetchOne } from './pages.js';
import type { Run } from './run.js';
import { schoolBook } from './school-book.js';
import { archiveUnsharedSchools } from './unshared-schools.js';
import { isUsableCleverId } from './validate.js';

export interface SchoolListDeps {
  api: CleverDistrictApi;
  session: Pick<SessionRepository, 'schools'>;
  databases: SchoolDatabaseProvider;
}

export interface SchoolListOutcome {
  changes: SyncCounts;
  /** Active schools to sync (in a dry run also the ones SessionDb does not know yet). */
  schools: SchoolTarget[];
  /** Schools Clever stopped sharing, whose rosters this refresh archived (or failed to). */
  unshared: SchoolSyncResult[];
  held: boolean;
  warnings: string[];
}

export async function refreshSchoolList(
  run: Run,
  deps: SchoolListDeps,
  district: DistrictRecord | null,
  logger: Logger,
): Promise<SchoolListOutcome> {
  const dryRun = run.options.dryRun;
  const entry = await run.history.start({
    districtId: district?.id ?? null,
    schoolId: null,
    entity: 'schools',
    syncType: 'Full',
  });
  const changes = zeroCounts();
  const warnings: string[] = [];
  const unshared: SchoolSyncResult[] = [];
  const notYetArchived = new Set<string>();
  try {
    const known = new Map<string, SchoolRecord>();
    if (district)
      for (const s of await deps.session.schools.list({ districtId: district.id }))
        known.set(s.cleverSchoolId, s);
    const activeBefore = [...known.values()].filter((s) => s.isActive).length;
    const seen = new Set<string>();
    const newInDryRun: string[] = [];

    for await (const page of prefetchOne(deps.api.getSchools({ pageSize: run.settings.pageSize }))) {
      const byId = new Map<string, SchoolUpsert>();
      for (const school of page) {
        const mapped = mapSchool(school);
        changes.processed += 1;
        if (!isUsableCleverId(mapped.cleverSchoolId) || mapped.name === '') {
          changes.invalid += 1;
          logger.warn(
            { cleverSchoolId: mapped.cleverSchoolId.slice(0, 64) },
            'skipped Clever school without a usable id or a name',
          );
          continue;
        }
        byId.set(mapped.cleverSchoolId, mapped);
      }
      const valid = [...byId.values()];
      for (const s of valid) seen.add(s.cleverSchoolId);
      if (!dryRun && district) {
        if (valid.length > 0) {
          const result = await deps.session.schools.upsertMany(district.id, valid);
          changes.created += result.created;
          changes.updated += result.updated;
          changes.restored += result.restored;
        }
      } else {
        for (const s of valid) {
          const existing = known.get(s.cleverSchoolId);
          if (!existing) {
            changes.created += 1;
            newInDryRun.push(s.cleverSchoolId);
          } else if (!existing.isActive) changes.restored += 1;
        }
      }
    }

    const missing = [...known.values()].filter((s) => s.isActive && !seen.has(s.cleverSchoolId));
    const guard = checkArchiveGuard({
      activeBefore,
      wouldArchive: missing.length,
      pulled: seen.size,
      fraction: run.settings.archiveGuardFraction,
      minRows: Math.min(run.settings.archiveGuardMinRows, 3),
      force: run.options.force,
    });
    if (guard.hold) {
      warnings.push(`schools: ${guard.reason}`);
      logger.warn(
        { activeBefore, wouldArchive: missing.length },
        `mass-archive guard (schools): ${guard.reason}`,
      );
    } else if (missing.length > 0) {
      if (!dryRun && district) {
        const outcome = await archiveUnsharedSchools(
          run,
          {
            databases: deps.databases,
            schools: deps.session.schools,
            book: schoolBook(run, deps.session.schools),
          },
          missing,
          logger,
        );
        unshared.push(...outcome.results);
        for (const school of outcome.kept) notYetArchived.add(school.cleverSchoolId);
        const keep = [...seen, ...notYetArchived];
        changes.archived = await deps.session.schools.archiveMissing(district.id, keep, run.now());
      } else {
        changes.archived = missing.length;
      }
      logger.info({ archived: changes.archived }, 'archived schools no longer shared');
    }

    let schools: SchoolTarget[];
    if (!dryRun && district) {
      const active = await deps.session.schools.list({ districtId: district.id, activeOnly: true });
      // Unshared, but its roster could not be archived yet: it stays active in SessionDb, unsynced.
      schools = active
        .filter((record) => !notYetArchived.has(record.cleverSchoolId))
        .map((record) => ({
          record,
          cleverSchoolId: record.cleverSchoolId,
          districtId: district.id,
        }));
    } else {
      // A dry run plans every school Clever lists: known ones against their databases, new ones as all-creates.
      schools = [...seen].map((cleverSchoolId) => {
        const record = known.get(cleverSchoolId) ?? null;
        return { record, cleverSchoolId, districtId: district?.id ?? null };
      });
    }
    await entry.complete({ status: guard.hold ? 'Held' : 'Succeeded', counts: changes, warnings });
    return { changes, schools, unshared, held: guard.hold, warnings };
  } catch (error) {
    await entry
      .complete({
        status: 'Failed',
        counts: changes,
        errorSummary: describeError(error),
      })
      .catch((e) => logger.warn({ err: errorForLog(e) }, 'could not complete history row'));
    throw error;
  }
}

/** Upserts the district from Clever (a dry run only reads). */
export async function refreshDistrict(
  run: Run,
  districts: SessionRepository['districts'],
  api: CleverDistrictApi,
  known: DistrictRecord | null,
  cleverDistrictId: string,
): Promise<DistrictRecord | null> {
  const clever = await api.getDistrict();
  if (run.options.dryRun) return known ?? (await districts.findByCleverId(cleverDistrictId));
  const record = await districts.upsert({
    cleverDistrictId,
    name: clever.name?.trim() || cleverDistrictId,
    cleverState: clever.state ?? null,
    cleverLastSync: parseTimestamp(clever.last_sync),
  });
  if (!record.isActive) {
    await districts.setActive(record.id, true);
    return { ...record, isActive: true };
  }
  return record;
}

/**
 * The district's record and its school list, read from Clever and written to SessionDb: the first
 * half of every district run, in process or before a queue fan-out.
 */
export async function refreshDistrictAndList(
  run: Run,
  deps: {
    session: Pick<SessionRepository, 'districts' | 'schools'>;
    databases: SchoolDatabaseProvider;
    clever: Pick<CleverApiClient, 'forDistrict'>;
  },
  cleverDistrictId: string,
  known: DistrictRecord | null,
  logger: Logger,
): Promise<{ district: DistrictRecord | null; api: CleverDistrictApi; list: SchoolListOutcome }> {
  const api = deps.clever.forDistrict(cleverDistrictId);
  const district = await refreshDistrict(run, deps.session.districts, api, known, cleverDistrictId);
  const list = await refreshSchoolList(
    run,
    { api, session: deps.session, databases: deps.databases },
    district,
    logger,
  );
  return { district, api, list };
}
