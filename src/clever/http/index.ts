/**
 * HTTP access to Clever hosts (api.clever.com for data, clever.com for /oauth/tokens).
 *
 * - `createCleverHttpClient({ baseURL, timeoutMs })` / `new CleverHttpClients({ timeoutMs }).forUrl(url)`:
 *   one axios instance per host; TLS >= 1.2, keep-alive, timeout from config, no redirects, no
 *   built-in retries, and `validateStatus` accepting every status so callers classify answers.
 * - `sendCleverRequest(client, config, { attempt })`: one request; returns 2xx responses, throws
 *   `CleverApiError` for everything else (HTTP errors, network errors, timeouts).
 * - `CleverApiError` (an AppError): `kind`, `status`, `method`, `path` (secret query parameters
 *   removed), `cleverMessage` (from `{"message"}` JSON or an HTML page), `attempt`, `transient`.
 *   Never holds headers or the raw AxiosError (only as the non-serialized `cause`).
 * - `toCleverApiError(error, { attempt })` / `responseToCleverApiError(response)`: the conversions.
 * - `createRetryPolicy({ schedule, shouldRetry?, delayFor?, onRetry? })`: a cockatiel RetryPolicy with
 *   exponential backoff (2/4/8/16/32 s by default), retrying transient failures only (network,
 *   timeout, 429, 500/502/503/504; never 400/401/403/404/413/501). `delayFor` lets the Data API
 *   client wait until X-RateLimit-Reset on 429; wrap it with a circuit breaker via cockatiel `wrap`.
 *   `retryScheduleFromConfig(config.clever)` maps the settings; `logRetry(logger, op)` logs retries.
 *
 * @example
 * const client = clients.forUrl(config.clever.apiBaseUrl);
 * const policy = createRetryPolicy({ schedule: retryScheduleFromConfig(config.clever), onRetry: logRetry(logger, 'clever.schools') });
 * const res = await policy.execute(({ attempt }) =>
 *   sendCleverRequest<SchoolList>(client, { url: '/v3.0/schools', headers: { Authorization: `Bearer ${token}` } }, { attempt: attempt + 1 }));
 */
export { type CleverHttpClientOptions, CleverHttpClients, createCleverHttpClient } from './client.js';
export {
  CleverApiError,
  type CleverApiErrorInit,
  type CleverFailureKind,
  type ConversionContext,
  extractCleverMessage,
  isTransientStatus,
  responseToCleverApiError,
  safeRequestPath,
  toCleverApiError,
} from './errors.js';
export { type SendOptions, sendCleverRequest } from './request.js';
export {
  createRetryPolicy,
  exponentialDelayMs,
  isTransientFailure,
  logRetry,
  type RetryEvent,
  type RetryingPolicy,
  type RetryPolicyOptions,
  type RetrySchedule,
  retryScheduleFromConfig,
} from './retry.js';
