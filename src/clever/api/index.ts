/**
 * The Clever Data API v3 client: typed, streaming (async iterables of pages), rate-aware.
 * See docs/clever-api.md for how it pages, limits and retries.
 *
 * @example
 * const clever = createCleverApiClient({ config, tokens: authService, logger });
 * const district = clever.forDistrict(districtId);
 * for await (const page of district.getStudents(schoolId)) await store(page);
 */

export { CleverApiError } from '../http/index.js';
export {
  type CleverApiClientWithMetrics,
  type CreateCleverApiClientOptions,
  createCleverApiClient,
} from './client.js';
export {
  CIRCUIT_OPEN,
  CleverLimitTooLargeError,
  CleverNotFoundError,
  isCircuitOpen,
  isCleverNotFound,
  MAX_PAGE_SIZE,
} from './errors.js';
export type { CleverApiMetrics } from './metrics.js';
export {
  isStudent,
  isTeacher,
  parseCourse,
  parseDistrict,
  parseEvent,
  parseSchool,
  parseSection,
  parseTerm,
  parseUser,
} from './parse.js';
export {
  type Clock,
  type RateLimitWait,
  type RateLimitWaitReason,
  readRateLimitHeaders,
} from './rate-limiter.js';
export type {
  CleverApiHooks,
  CleverRateLimitWaitEvent,
  CleverRequestEvent,
  CleverRetryEvent,
} from './transport.js';
export type * from './types.js';
