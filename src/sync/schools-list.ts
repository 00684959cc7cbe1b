/**
 * A district's record and school list: every run re-reads `/districts/{id}` and `/schools` (one request per page, cheap) and
 * upserts it into SessionDb, so new schools are onboarded and unshared ones archived even when
 * events were missed. The mass-archive guard applies here too: an empty or much shorter list is
 * far likelier a sharing problem than a district closing its schools.
 */

import type { CleverDistrictApi } from '../clever/api/types.js';
import type { DistrictRecord, SchoolRecord, SchoolUpsert } from '../db/types.js';
import type { SyncCounts } from '../domain/index.js';
import { zeroCounts } from '../domain/index.js';
import type { Logger } from '../telemetry/index.js';
import { checkArchiveGuard } from './archive-guard.js';
import type { RunContext } from './context.js';
import { describeError, errorForLog } from './error-text.js';
import { mapSchool, parseTimestamp } from './mapping.js';
import { prefetchOne } from './pages.js';
import type { SchoolTarget } from './school-sync.js';
import type { SchoolSyncResult } from './types.js';
import { archiveUnsharedSchools } from './unshared-schools.js';
import { isUsableCleverId } from './validate.js';

export interface SchoolListOutcome {
  changes: SyncCounts;
  /** Active schools to sync (in a dry run also the ones SessionDb does not know yet). */
  schools: SchoolTarget[];
  /** Schools Clever stopped sharing, whose rosters this refresh archived (or failed to). */
  unshared: SchoolSyncResult[];
  held: boolean;
  warnings: string[];
}

export async function refreshSchools(
  ctx: RunContext,
  api: CleverDistrictApi,
  district: DistrictRecord | null,
  logger: Logger,
): Promise<SchoolListOutcome> {
  const dryRun = ctx.options.dryRun;
  const entry = await ctx.history.start({
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
      for (const s of await ctx.deps.session.schools.list({ districtId: district.id }))
        known.set(s.cleverSchoolId, s);
    const activeBefore = [...known.values()].filter((s) => s.isActive).length;
    const seen = new Set<string>();
    const newInDryRun: string[] = [];

    for await (const page of prefetchOne(api.getSchools({ pageSize: ctx.settings.pageSize }))) {
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
          const result = await ctx.deps.session.schools.upsertMany(district.id, valid);
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
      fraction: ctx.settings.archiveGuardFraction,
      minRows: Math.min(ctx.settings.archiveGuardMinRows, 3),
      force: ctx.options.force,
    });
    if (guard.hold) {
      warnings.push(`schools: ${guard.reason}`);
      logger.warn(
        { activeBefore, wouldArchive: missing.length },
        `mass-archive guard (schools): ${guard.reason}`,
      );
    } else if (missing.length > 0) {
      if (!dryRun && district) {
        const outcome = await archiveUnsharedSchools(ctx, missing, logger);
        unshared.push(...outcome.results);
        for (const school of outcome.kept) notYetArchived.add(school.cleverSchoolId);
        const keep = [...seen, ...notYetArchived];
        changes.archived = await ctx.deps.session.schools.archiveMissing(district.id, keep, ctx.now());
      } else {
        changes.archived = missing.length;
      }
      logger.info({ archived: changes.archived }, 'archived schools no longer shared');
    }

    let schools: SchoolTarget[];
    if (!dryRun && district) {
      const active = await ctx.deps.session.schools.list({ districtId: district.id, activeOnly: true });
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
  ctx: RunContext,
  api: CleverDistrictApi,
  known: DistrictRecord | null,
  cleverDistrictId: string,
): Promise<DistrictRecord | null> {
  const clever = await api.getDistrict();
  if (ctx.options.dryRun) return known ?? (await ctx.deps.session.districts.findByCleverId(cleverDistrictId));
  const record = await ctx.deps.session.districts.upsert({
    cleverDistrictId,
    name: clever.name?.trim() || cleverDistrictId,
    cleverState: clever.state ?? null,
    cleverLastSync: parseTimestamp(clever.last_sync),
  });
  if (!record.isActive) {
    await ctx.deps.session.districts.setActive(record.id, true);
    return { ...record, isActive: true };
  }
  return record;
}
