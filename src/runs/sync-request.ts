/**
 * What a caller may ask for (HTTP query string, CLI flags), validated once for both, so
 * `POST /api/sync?schoolId=...` and `clever-sync sync --school ...` accept and reject the same input.
 */
import { ValidationError } from '../errors.js';
import { ID_RULE, type IdSelector, type SyncTarget, toIdSelector } from '../sync/index.js';
import { safeEcho } from './safe-echo.js';

export interface SyncRequest {
  target: SyncTarget;
  full: boolean;
  dryRun: boolean;
  /** Archive even when the mass-archive guard would hold the run. */
  force: boolean;
}

const BOOLEAN_VALUES: Record<string, boolean> = { '': true, true: true, '1': true, false: false, '0': false };

export const SYNC_QUERY_PARAMETERS = ['schoolId', 'districtId', 'full', 'dryRun', 'force'] as const;
/** Problems listed for one query string; the rest are counted. */
const MAX_QUERY_PROBLEMS = 10;
/** Added by Azure when the function key travels as `?code=`. */
const IGNORED_PARAMETERS = new Set(['code']);

export interface RawSyncRequest {
  schoolId?: string | undefined;
  districtId?: string | undefined;
  full?: string | boolean | undefined;
  dryRun?: string | boolean | undefined;
  force?: string | boolean | undefined;
}

export function parseSyncRequest(raw: RawSyncRequest): SyncRequest {
  const problems: string[] = [];
  const schoolId = parseId('schoolId', raw.schoolId, problems);
  const districtId = parseId('districtId', raw.districtId, problems);
  const full = parseFlag('full', raw.full, problems);
  const dryRun = parseFlag('dryRun', raw.dryRun, problems);
  const force = parseFlag('force', raw.force, problems);
  if (schoolId !== undefined && districtId !== undefined) {
    problems.push('give schoolId or districtId, not both (a school already names its district)');
  }
  if (force && dryRun)
    problems.push('force has no effect on a dry run (nothing is archived); drop one of them');
  if (problems.length > 0)
    throw new ValidationError(`Invalid sync request: ${problems.join('; ')}`, { problems });

  const target: SyncTarget =
    schoolId !== undefined
      ? { scope: 'school', schoolId }
      : districtId !== undefined
        ? { scope: 'district', districtId }
        : { scope: 'all' };
  return { target, full, dryRun, force };
}

/** Reads a query string strictly: unknown or repeated parameters are errors, not silently ignored. */
export function parseSyncQuery(query: URLSearchParams): SyncRequest {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [name, value] of query) {
    if (IGNORED_PARAMETERS.has(name)) continue;
    if (!(SYNC_QUERY_PARAMETERS as readonly string[]).includes(name)) {
      const hint = SYNC_QUERY_PARAMETERS.find((known) => known.toLowerCase() === name.toLowerCase());
      problems.push(
        hint
          ? `unknown parameter "${safeEcho(name)}" (did you mean "${hint}"?)`
          : `unknown parameter "${safeEcho(name)}" (accepted: ${SYNC_QUERY_PARAMETERS.join(', ')})`,
      );
      continue;
    }
    if (seen.has(name)) problems.push(`parameter "${name}" is given more than once`);
    seen.set(name, value);
  }
  if (problems.length > MAX_QUERY_PROBLEMS) {
    // A flood of parameters is reported, not echoed back in full.
    const more = problems.length - MAX_QUERY_PROBLEMS;
    problems.splice(MAX_QUERY_PROBLEMS, more, `and ${more} more problems with the query string`);
  }
  if (problems.length > 0)
    throw new ValidationError(`Invalid sync request: ${problems.join('; ')}`, { problems });
  return parseSyncRequest(Object.fromEntries(seen) as RawSyncRequest);
}

/** The engine's id rules (src/sync/plan/selector.ts), applied once here for HTTP and the CLI. */
function parseId(name: string, value: string | undefined, problems: string[]): IdSelector | undefined {
  if (value === undefined) return undefined;
  const selector = toIdSelector(value);
  if (selector) return selector;
  problems.push(`${name} must be ${ID_RULE}, got "${safeEcho(value.trim())}"`);
  return undefined;
}

function parseFlag(name: string, value: string | boolean | undefined, problems: string[]): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const parsed = BOOLEAN_VALUES[value.trim().toLowerCase()];
  if (parsed === undefined) {
    problems.push(`${name} must be true or false, got "${safeEcho(value)}"`);
    return false;
  }
  return parsed;
}
