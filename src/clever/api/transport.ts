import type { AxiosResponse } from 'axios';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
  type RetryPolicy,
} from 'cockatiel';
import type { AppConfig } from '../../config/index.js';
import { toLogObject } from '../../errors.js';
import { type Logger, registerSecret } from '../../telemetry/index.js';
import type { CleverTokenProvider } from '../auth/index.js';
import {
  CleverApiError,
  type CleverHttpClients,
  createRetryPolicy,
  exponentialDelayMs,
  extractCleverMessage,
  isTransientFailure,
  type RetrySchedule,
  responseToCleverApiError,
  retryScheduleFromConfig,
  safeRequestPath,
  toCleverApiError,
} from '../http/index.js';
import { CIRCUIT_OPEN, CleverLimitTooLargeError, CleverNotFoundError, isCircuitOpen } from './errors.js';
import type { CleverApiMetrics } from './metrics.js';
import type { RateLimitWait, TokenRateLimiter } from './rate-limiter.js';

export interface CleverRequestEvent {
  districtId: string;
  method: 'GET';
  /** Path and query, no host, no secrets. */
  path: string;
  /** 1 for the first try of a request. */
  attempt: number;
}

export interface CleverRateLimitWaitEvent extends RateLimitWait {
  districtId: string;
}

export interface CleverRetryEvent {
  districtId: string;
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** Observation points for the sync engine, health checks and benchmarks. All optional, all sync. */
export interface CleverApiHooks {
  /** Before every HTTP request actually sent (retries included). */
  onRequest?: (event: CleverRequestEvent) => void;
  /** Before every wait imposed by a token's rate limiter. */
  onRateLimitWait?: (event: CleverRateLimitWaitEvent) => void;
  /** Before every retry wait of a transient failure. */
  onRetry?: (event: CleverRetryEvent) => void;
}

export interface TransportOptions {
  clever: AppConfig['clever'];
  http: CleverHttpClients;
  tokens: CleverTokenProvider;
  logger: Logger;
  metrics: CleverApiMetrics;
  hooks: CleverApiHooks;
  createLimiter: (onWait: (wait: RateLimitWait) => void) => TokenRateLimiter;
}

export interface GetContext {
  districtId: string;
  /** The `limit` sent, so a 413 can name it. */
  pageSize?: number;
}

/**
 * Sends GET requests for one district: its token's rate limiter, a circuit breaker per Clever
 * host, cockatiel retries of transient failures, one token rediscovery after a 401, and typed errors.
 */
export class CleverTransport {
  private readonly schedule: RetrySchedule;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  /** Keyed by the token itself: the map never leaves this object and is never logged. */
  private readonly limiters = new Map<string, TokenRateLimiter>();
  private readonly retryPolicies = new Map<string, RetryPolicy>();

  constructor(private readonly options: TransportOptions) {
    this.schedule = retryScheduleFromConfig(options.clever);
  }

  /** GETs an absolute URL on a Clever host; resolves with the 2xx response. */
  async get(url: URL, context: GetContext): Promise<AxiosResponse> {
    const { tokens, logger, metrics } = this.options;
    const { districtId } = context;
    // The auth service registers tokens too; registering here also covers any other provider, so a
    // token Clever echoes back in an error message is masked before it reaches an error or a log.
    let token = registered(await tokens.getToken(districtId));
    let refreshed = false;
    for (;;) {
      try {
        return await this.retryPolicy(districtId).execute(({ attempt }) =>
          this.attempt(url, context, token, attempt + 1),
        );
      } catch (error) {
        // Clever may have rotated the district's token: look it up again, once. A second 401 is final.
        if (error instanceof CleverApiError && error.status === 401 && !refreshed) {
          refreshed = true;
          metrics.tokenRefreshes++;
          logger.warn(
            { event: 'clever.unauthorized', districtId, path: error.path },
            'Clever answered 401; rediscovering the district token once',
          );
          token = registered(await tokens.refreshAfterUnauthorized(districtId, token));
          continue;
        }
        throw error;
      }
    }
  }

  private async attempt(
    url: URL,
    context: GetContext,
    token: string,
    attempt: number,
  ): Promise<AxiosResponse> {
    const limiter = this.limiterFor(context.districtId, token);
    const path = `${url.pathname}${url.search}`;
    try {
      return await this.breakerFor(url.origin).execute(async () => {
        await limiter.acquire();
        this.options.metrics.requests++;
        this.options.hooks.onRequest?.({
          districtId: context.districtId,
          method: 'GET',
          path: safeRequestPath(path),
          attempt,
        });
        let response: AxiosResponse;
        try {
          response = await this.options.http.forUrl(url.origin).request({
            method: 'get',
            url: path,
            headers: { Authorization: `Bearer ${token}` },
          });
        } catch (error) {
          throw toCleverApiError(error, { attempt });
        }
        limiter.observe(response.headers);
        if (response.status >= 200 && response.status < 300) {
          if (isCutShortJson(response)) throw cutShortJson(response, path, attempt);
          return response;
        }
        throw this.failure(response, path, context, limiter, attempt);
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw new CleverApiError({
          kind: 'network',
          method: 'GET',
          path: safeRequestPath(path),
          networkCode: CIRCUIT_OPEN,
          cleverMessage: `circuit breaker for ${url.host} is open after repeated failures`,
          attempt,
          transient: true,
        });
      }
      throw error;
    }
  }

  private failure(
    response: AxiosResponse,
    path: string,
    context: GetContext,
    limiter: TokenRateLimiter,
    attempt: number,
  ): CleverApiError {
    const init = {
      kind: 'http' as const,
      status: response.status,
      method: 'GET',
      path: safeRequestPath(path),
      cleverMessage: extractCleverMessage(response.data),
      attempt,
    };
    switch (response.status) {
      case 404:
        return new CleverNotFoundError(init);
      case 413:
        return new CleverLimitTooLargeError(init, context.pageSize);
      case 429:
        this.options.metrics.rateLimited++;
        // Everyone on this token pauses until the reset; the retry itself then waits in acquire().
        limiter.rateLimited(response.headers, exponentialDelayMs(this.schedule, attempt));
        return responseToCleverApiError(response, { attempt });
      default:
        return responseToCleverApiError(response, { attempt });
    }
  }

  private retryPolicy(districtId: string): RetryPolicy {
    let policy = this.retryPolicies.get(districtId);
    if (!policy) {
      policy = this.createRetryPolicy(districtId);
      this.retryPolicies.set(districtId, policy);
    }
    return policy;
  }

  private createRetryPolicy(districtId: string): RetryPolicy {
    const { logger, metrics, hooks } = this.options;
    return createRetryPolicy({
      schedule: this.schedule,
      // An open circuit fails fast: waiting in retries would only hide the outage from the sync.
      shouldRetry: (error) => isTransientFailure(error) && !isCircuitOpen(error),
      // A 429 already blocked the token's limiter until the reset; waiting here too would double it.
      delayFor: (error) => (error instanceof CleverApiError && error.status === 429 ? 0 : undefined),
      onRetry: (event) => {
        metrics.retries++;
        hooks.onRetry?.({ districtId, ...event });
        logger.warn(
          {
            event: 'clever.retry',
            districtId,
            attempt: event.attempt,
            delayMs: event.delayMs,
            err: toLogObject(event.error),
          },
          `Clever request failed; retry ${event.attempt} in ${event.delayMs} ms`,
        );
      },
    });
  }

  /** Failures that say the host is unwell (not 4xx, not 429) count toward opening its breaker. */
  private breakerFor(origin: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(origin);
    if (!breaker) {
      const { consecutiveFailures, halfOpenAfterMs } = this.options.clever.circuitBreaker;
      breaker = circuitBreaker(
        handleWhen((e) => e instanceof CleverApiError && e.transient && e.status !== 429),
        { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(consecutiveFailures) },
      );
      const host = new URL(origin).host;
      breaker.onBreak(() =>
        this.options.logger.error({ event: 'clever.circuit.open', host }, `Circuit to ${host} opened`),
      );
      breaker.onReset(() =>
        this.options.logger.info({ event: 'clever.circuit.closed', host }, `Circuit to ${host} closed`),
      );
      this.breakers.set(origin, breaker);
    }
    return breaker;
  }

  /**
   * One limiter per bearer token, shared by every concurrent caller using it (Clever budgets per
   * token). A rotated token gets a fresh limiter, as it gets a fresh budget from Clever. District
   * tokens belong to one district, so the creating district labels the limiter's wait events.
   */
  private limiterFor(districtId: string, token: string): TokenRateLimiter {
    let limiter = this.limiters.get(token);
    if (!limiter) {
      limiter = this.options.createLimiter((wait) => this.recordWait(districtId, wait));
      this.limiters.set(token, limiter);
    }
    return limiter;
  }

  private recordWait(districtId: string, wait: RateLimitWait): void {
    const { metrics, hooks, logger } = this.options;
    metrics.rateLimitWaits++;
    metrics.rateLimitWaitMs += wait.waitMs;
    hooks.onRateLimitWait?.({ districtId, ...wait });
    logger.info(
      {
        event: 'clever.rateLimit.wait',
        districtId,
        reason: wait.reason,
        waitMs: wait.waitMs,
        callers: wait.callers,
      },
      `Clever rate limit: ${wait.callers} request(s) waiting ${wait.waitMs} ms (${wait.reason})`,
    );
  }
}

function registered(token: string): string {
  registerSecret(token);
  return token;
}

/**
 * axios leaves a body it could not parse as a string. A JSON answer that is not JSON was cut off
 * in transit (a reset mid-body): asking again usually succeeds, so it is transient. HTML pages
 * and other content types are left to the envelope check, which reports them as they are.
 */
function isCutShortJson(response: AxiosResponse): boolean {
  if (typeof response.data !== 'string') return false;
  const contentType = String(response.headers['content-type'] ?? '');
  return /json/i.test(contentType) || /^\s*[[{]/.test(response.data);
}

/** Never quotes the body: a roster page holds student names. */
function cutShortJson(response: AxiosResponse, path: string, attempt: number): CleverApiError {
  return new CleverApiError({
    kind: 'invalid-response',
    status: response.status,
    method: 'GET',
    path: safeRequestPath(path),
    problem: `response body is not valid JSON (${String(response.data).length} characters; cut short?)`,
    attempt,
    transient: true,
  });
}
