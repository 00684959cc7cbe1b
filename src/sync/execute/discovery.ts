/**
 * Which districts a full run syncs: those whose token Clever lists (the app's connections),
 * optionally restricted by configuration (CLEVER_DISTRICT_IDS). Districts that disconnected are
 * marked inactive and skipped; a configured district without a token is reported, not synced.
 */

import type { CleverTokenProvider } from '../../clever/auth/index.js';
import type { DistrictRecord, SessionRepository } from '../../db/index.js';
import { zeroCounts } from '../../domain/index.js';
import type { DistrictTarget } from '../plan/target.js';
import { describeError } from '../report/error-text.js';
import type { DistrictSyncResult } from '../types.js';
import type { Run } from './run.js';

export interface DiscoveryDeps {
  tokens: Pick<CleverTokenProvider, 'listDistricts'>;
  districts: SessionRepository['districts'];
  /** CLEVER_DISTRICT_IDS (undefined = every connected district). */
  districtIds?: string[] | undefined;
}

export interface Discovery {
  targets: DistrictTarget[];
  /** Configured districts that have not authorized the app. */
  notConnected: DistrictSyncResult[];
}

const DISCONNECTED_ERROR =
  'district disconnected from the app (Clever no longer lists its token): marked inactive, not synced';

function notAuthorizedError(cleverDistrictId: string): string {
  return /^[0-9a-f]{24}$/i.test(cleverDistrictId)
    ? 'district has not authorized the app (no district token)'
    : 'not a Clever district id (24 hexadecimal characters): check CLEVER_DISTRICT_IDS';
}

/** A district this run could not sync: counted as failed by the run's status (report/rollup.ts). */
function unsynced(
  districtId: number | null,
  cleverDistrictId: string,
  error: string,
  extra: Partial<DistrictSyncResult> = {},
): DistrictSyncResult {
  return {
    districtId,
    cleverDistrictId: cleverDistrictId.slice(0, 64),
    status: 'Skipped',
    schoolChanges: zeroCounts(),
    schools: [],
    counts: zeroCounts(),
    durationMs: 0,
    eventsCursor: null,
    mode: { incrementalSchools: 0, fullSchools: 0, eventsApplied: 0 },
    error,
    warnings: [],
    ...extra,
  };
}

export async function discoverDistricts(run: Run, deps: DiscoveryDeps): Promise<Discovery> {
  const entry = await run.history.start({
    districtId: null,
    schoolId: null,
    entity: 'districts',
    syncType: 'Full',
  });
  const counts = zeroCounts();
  try {
    const tokens = await deps.tokens.listDistricts();
    const connected = new Set(tokens.map((t) => t.districtId));
    const known = await deps.districts.list();
    const byCleverId = new Map<string, DistrictRecord>(known.map((d) => [d.cleverDistrictId, d]));
    const wanted = deps.districtIds ? [...new Set(deps.districtIds)] : [...connected].sort();

    const warnings: string[] = [];
    const notConnected: DistrictSyncResult[] = [];
    for (const district of known) {
      if (!district.isActive || connected.has(district.cleverDistrictId)) continue;
      counts.archived += 1;
      warnings.push(`district ${district.cleverDistrictId} disconnected: marked inactive`);
      run.logger.warn(
        { cleverDistrictId: district.cleverDistrictId },
        'district disconnected (no token any more): marked inactive',
      );
      if (!run.options.dryRun) await deps.districts.setActive(district.id, false);
      // Reported in the run (which it fails, in part): a district that stops syncing needs a person.
      notConnected.push(
        unsynced(district.id, district.cleverDistrictId, DISCONNECTED_ERROR, { disconnected: true }),
      );
    }

    const targets: DistrictTarget[] = [];
    for (const cleverDistrictId of wanted) {
      const record = byCleverId.get(cleverDistrictId) ?? null;
      counts.processed += 1;
      if (!connected.has(cleverDistrictId)) {
        counts.invalid += 1;
        if (notConnected.some((d) => d.cleverDistrictId === cleverDistrictId)) continue;
        run.logger.warn(
          { cleverDistrictId: cleverDistrictId.slice(0, 64) },
          'configured district has not authorized the app: skipped',
        );
        notConnected.push(
          unsynced(record?.id ?? null, cleverDistrictId, notAuthorizedError(cleverDistrictId)),
        );
        continue;
      }
      if (!record) counts.created += 1;
      else if (!record.isActive) counts.restored += 1;
      targets.push({ cleverDistrictId, record });
    }
    await entry.complete({ status: 'Succeeded', counts, warnings });
    return { targets, notConnected };
  } catch (error) {
    await entry
      .complete({
        status: 'Failed',
        counts,
        errorSummary: describeError(error),
      })
      .catch(() => undefined);
    throw error;
  }
}
