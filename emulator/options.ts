import type { DistrictShape } from './data/layout.js';
import type { FaultConfig, FaultRule } from './faults.js';

export interface EmulatorOptions {
  /** TCP port; 0 or unset picks a free one. */
  port?: number;
  /** Listen address; loopback by default (the emulator has no authentication worth the name). */
  host?: string;
  /** Every generated record, token and fault draw derives from this. */
  seed?: number | string;
  clientId?: string;
  clientSecret?: string;
  /** Number of districts, or one shape per district (missing fields take the defaults below). */
  districts?: number | Partial<DistrictShape>[];
  schoolsPerDistrict?: number;
  studentsPerSchool?: number;
  teachersPerSchool?: number;
  staffPerSchool?: number;
  /** Share (0..1) of users who belong to more than one school. */
  multiSchoolShare?: number;
  /** Share (0..1) of teachers who are also students, and of staff who also teach. Default 0. */
  multiRoleShare?: number;
  /** Send `null` for absent x-nullable fields, as real Clever answers do. Default false. */
  sendNulls?: boolean;
  /** Make every fourth school an early learning center (InfantToddler, Preschool, PreKindergarten). */
  earlyLearningSchools?: boolean;
  /**
   * Generate classes: per district two terms and a course catalog, per school sections of 20-35
   * students with 1-2 teachers over 4-6 periods a term. Default true; false keeps the data of
   * before (only admin-created sections, empty /courses and /terms).
   */
  sections?: boolean;
  /**
   * Whether tokens carry `read:sections`. Default true; false makes every section, course and
   * term route answer 403 and leaves their events out of /events, as Clever does without it.
   */
  sectionsScope?: boolean;
  /** Requests per bearer token per fixed minute (Clever: 1,200). */
  rateLimitPerMinute?: number;
  /**
   * A second, shorter per-token window reported before the minute one, so the X-RateLimit-*
   * headers carry two comma-separated values (`200, 1200`) as recorded real traffic does.
   */
  burstRateLimit?: BurstRateLimit;
  /** How long events are kept (Clever: 30 days); older cursors are rejected. */
  eventRetentionMs?: number;
  /** Whether /events is on for districts (Clever: opt-in per app). */
  eventsEnabled?: boolean;
  /** Put previous_attributes beside `data` as Clever's spec says, instead of inside it as real traffic does. */
  previousAttributesBesideData?: boolean;
  /** Enables the optional POST /oauth/tokens client_credentials grant with this token lifetime. */
  clientCredentialsTtlSeconds?: number;
  /** Serves the admin API over HTTP under /__admin (off by default). */
  adminHttp?: boolean;
  faults?: FaultConfig | FaultRule[];
  /** Clock source (ms since epoch); the admin API can move it forward. */
  now?: () => number;
}

export interface BurstRateLimit {
  requests: number;
  windowSeconds: number;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  seed: number | string;
  clientId: string;
  clientSecret: string;
  districtShapes: DistrictShape[];
  sendNulls: boolean;
  earlyLearningSchools: boolean;
  sections: boolean;
  sectionsScope: boolean;
  rateLimitPerMinute: number;
  burstRateLimit: BurstRateLimit | undefined;
  eventRetentionMs: number;
  eventsEnabled: boolean;
  previousAttributesBesideData: boolean;
  clientCredentialsTtlSeconds: number | undefined;
  adminHttp: boolean;
  faults: FaultConfig | FaultRule[] | undefined;
  now: () => number;
}

export const DEFAULTS = {
  seed: 'clever-emulator',
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  districts: 1,
  schoolsPerDistrict: 4,
  studentsPerSchool: 300,
  teachersPerSchool: 20,
  staffPerSchool: 3,
  multiSchoolShare: 0.05,
  multiRoleShare: 0,
  rateLimitPerMinute: 1200,
  eventRetentionMs: 30 * 24 * 3600 * 1000,
} as const;

// Ids hold 10 hex digits of sequence; the hash mixes 32-bit ints. Both stay far below these caps.
const MAX_DISTRICTS = 1000;
const MAX_USERS_PER_DISTRICT = 2 ** 31 - 1;

function count(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
  return value;
}

function share(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new RangeError(`${name} must be in 0..1 (got ${value})`);
  return value;
}

function resolveShape(options: EmulatorOptions, partial: Partial<DistrictShape>, n: number): DistrictShape {
  const where = `district ${n}`;
  const shape: DistrictShape = {
    schools: count(
      `${where} schools`,
      partial.schools ?? options.schoolsPerDistrict ?? DEFAULTS.schoolsPerDistrict,
      0,
      100_000,
    ),
    studentsPerSchool: count(
      `${where} studentsPerSchool`,
      partial.studentsPerSchool ?? options.studentsPerSchool ?? DEFAULTS.studentsPerSchool,
      0,
      MAX_USERS_PER_DISTRICT,
    ),
    teachersPerSchool: count(
      `${where} teachersPerSchool`,
      partial.teachersPerSchool ?? options.teachersPerSchool ?? DEFAULTS.teachersPerSchool,
      0,
      MAX_USERS_PER_DISTRICT,
    ),
    staffPerSchool: count(
      `${where} staffPerSchool`,
      partial.staffPerSchool ?? options.staffPerSchool ?? DEFAULTS.staffPerSchool,
      0,
      MAX_USERS_PER_DISTRICT,
    ),
    multiSchoolShare: share(
      `${where} multiSchoolShare`,
      partial.multiSchoolShare ?? options.multiSchoolShare ?? DEFAULTS.multiSchoolShare,
    ),
    multiRoleShare: share(
      `${where} multiRoleShare`,
      partial.multiRoleShare ?? options.multiRoleShare ?? DEFAULTS.multiRoleShare,
    ),
  };
  const users = shape.schools * (shape.studentsPerSchool + shape.teachersPerSchool + shape.staffPerSchool);
  if (users > MAX_USERS_PER_DISTRICT)
    throw new RangeError(`${where} would have ${users} users (max ${MAX_USERS_PER_DISTRICT})`);
  return shape;
}

/** Applies defaults and rejects bad values with a message naming the option. */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const districts = options.districts ?? DEFAULTS.districts;
  const partials =
    typeof districts === 'number'
      ? Array.from({ length: count('districts', districts, 1, MAX_DISTRICTS) }, () => ({}))
      : districts;
  if (partials.length < 1 || partials.length > MAX_DISTRICTS) {
    throw new RangeError(`districts must list 1 to ${MAX_DISTRICTS} shapes`);
  }
  const burst = options.burstRateLimit;
  if (burst !== undefined) {
    count('burstRateLimit.requests', burst.requests, 1, 1e9);
    count('burstRateLimit.windowSeconds', burst.windowSeconds, 1, 59);
  }
  const ttl = options.clientCredentialsTtlSeconds;
  if (ttl !== undefined) count('clientCredentialsTtlSeconds', ttl, 1, 365 * 24 * 3600);
  const clientId = options.clientId ?? DEFAULTS.clientId;
  const clientSecret = options.clientSecret ?? DEFAULTS.clientSecret;
  if (clientId.length === 0 || clientSecret.length === 0 || clientId.includes(':')) {
    throw new TypeError('clientId and clientSecret must be non-empty and clientId must not contain ":"');
  }
  return {
    port: count('port', options.port ?? 0, 0, 65_535),
    host: options.host ?? '127.0.0.1',
    seed: options.seed ?? DEFAULTS.seed,
    clientId,
    clientSecret,
    districtShapes: partials.map((partial, i) => resolveShape(options, partial, i)),
    sendNulls: options.sendNulls ?? false,
    earlyLearningSchools: options.earlyLearningSchools ?? false,
    sections: options.sections ?? true,
    sectionsScope: options.sectionsScope ?? true,
    burstRateLimit: burst === undefined ? undefined : { ...burst },
    rateLimitPerMinute: count(
      'rateLimitPerMinute',
      options.rateLimitPerMinute ?? DEFAULTS.rateLimitPerMinute,
      1,
      1e9,
    ),
    eventRetentionMs: count(
      'eventRetentionMs',
      options.eventRetentionMs ?? DEFAULTS.eventRetentionMs,
      1,
      10 * 365 * 24 * 3600 * 1000,
    ),
    eventsEnabled: options.eventsEnabled ?? true,
    previousAttributesBesideData: options.previousAttributesBesideData ?? false,
    clientCredentialsTtlSeconds: ttl,
    adminHttp: options.adminHttp ?? false,
    faults: options.faults,
    now: options.now ?? Date.now,
  };
}
