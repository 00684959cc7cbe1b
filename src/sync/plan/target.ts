/**
 * What a run covers: the target (everything, a district, a school) resolved against SessionDb and
 * the app's connections, with the lease that keeps two runs of it apart. Unknown, archived or
 * unauthorized targets are refused here, before anything is recorded.
 */
import type { CleverTokenProvider } from '../../clever/auth/index.js';
import type { DistrictRecord, SchoolRecord, SessionRepository } from '../../db/index.js';
import { NotFoundError } from '../../errors.js';
import { leaseKeys } from '../leases.js';
import type { SyncTarget } from '../types.js';
import { type IdSelector, parseIdSelector, showSelector } from './selector.js';

/** A district a run will sync: its Clever id, and its SessionDb row once it has one. */
export interface DistrictTarget {
  cleverDistrictId: string;
  record: DistrictRecord | null;
}

export type ResolvedTarget =
  | { scope: 'all'; scopeId: null; leaseKey: string; label: string }
  | { scope: 'district'; scopeId: number | null; leaseKey: string; label: string; district: DistrictTarget }
  | {
      scope: 'school';
      scopeId: number;
      leaseKey: string;
      label: string;
      school: SchoolRecord;
      district: DistrictRecord;
    };

export interface TargetLookup {
  session: Pick<SessionRepository, 'districts' | 'schools'>;
  tokens: Pick<CleverTokenProvider, 'listDistricts'>;
  /** CLEVER_DISTRICT_IDS (undefined = every connected district). */
  districtIds?: string[] | undefined;
}

export async function resolveTarget(target: SyncTarget, lookup: TargetLookup): Promise<ResolvedTarget> {
  if (target.scope === 'all')
    return { scope: 'all', scopeId: null, leaseKey: leaseKeys.all(), label: 'all districts' };
  if (target.scope === 'district')
    return resolveDistrict(parseIdSelector(target.districtId, 'districtId'), lookup);
  return resolveSchool(parseIdSelector(target.schoolId, 'schoolId'), lookup);
}

async function resolveDistrict(selector: IdSelector, lookup: TargetLookup): Promise<ResolvedTarget> {
  const { districts } = lookup.session;
  const record =
    selector.kind === 'internal'
      ? await districts.findById(selector.id)
      : await districts.findByCleverId(selector.id);
  if (!record && selector.kind === 'internal')
    throw new NotFoundError(`District ${selector.id} is not known`);
  const cleverDistrictId = record?.cleverDistrictId ?? String(selector.id);
  if (lookup.districtIds && !lookup.districtIds.includes(cleverDistrictId)) {
    throw new NotFoundError(
      `District ${cleverDistrictId} is not among the configured districts (CLEVER_DISTRICT_IDS)`,
    );
  }
  // A district not synced before (or disconnected) must have authorized the app.
  if (!record?.isActive) {
    const tokens = await lookup.tokens.listDistricts();
    if (!tokens.some((token) => token.districtId === cleverDistrictId)) {
      throw new NotFoundError(`District ${cleverDistrictId} has not authorized the app`);
    }
  }
  return {
    scope: 'district',
    scopeId: record?.id ?? null,
    leaseKey: leaseKeys.district(cleverDistrictId),
    label: `district ${cleverDistrictId}`,
    district: { cleverDistrictId, record },
  };
}

async function resolveSchool(selector: IdSelector, lookup: TargetLookup): Promise<ResolvedTarget> {
  const { schools, districts } = lookup.session;
  const school =
    selector.kind === 'internal'
      ? await schools.findById(selector.id)
      : await schools.findByCleverId(selector.id);
  const shown = showSelector(selector);
  if (!school) throw new NotFoundError(`School ${shown} is not known (a district sync registers schools)`);
  if (!school.isActive) throw new NotFoundError(`School ${shown} is archived: Clever no longer shares it`);
  const district = await districts.findById(school.districtId);
  if (!district) throw new NotFoundError(`District of school ${shown} is not known`);
  return {
    scope: 'school',
    scopeId: school.id,
    leaseKey: leaseKeys.school(school.id),
    label: `school ${school.cleverSchoolId}`,
    school,
    district,
  };
}
