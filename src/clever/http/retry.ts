import {
  DelegateBackoff,
  handleWhen,
  type IPolicy,
  type IRetryBackoffContext,
  type IRetryContext,
  type RetryPolicy,
  retry,
} from 'cockatiel';
import { AppError, toLogObject } from '../../errors.js';
import type { Logger } from '../../telemetry/index.js';

/** Any policy (a retry, or a retry wrapped with a breaker) that tells the work its attempt number. */
export type RetryingPolicy = IPolicy<IRetryContext>;

export interface RetrySchedule {
  /** Retries after the first try (CLEVER_RETRY_COUNT, default 5). */
  count: number;
  /** First delay; each next one doubles (CLEVER_RETRY_INITIAL_DELAY_MS, default 2000). */
  initialDelayMs: number;
  /** Cap of one delay (CLEVER_RETRY_MAX_DELAY_MS, default 32000). */
  maxDelayMs: number;
}

export interface RetryEvent {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryPolicyOptions {
  schedule: RetrySchedule;
  /** Which failures to retry; defaults to `isTransientFailure` (AppError.transient). */
  shouldRetry?: (error: unknown) => boolean;
  /**
   * Overrides the delay of one retry, e.g. to wait until X-RateLimit-Reset after a 429. Receives
   * the exponential delay it would otherwise use. Return undefined to keep that delay.
   */
  delayFor?: (error: unknown, attempt: number, exponentialDelayMs: number) => number | undefined;
  /** Called before each wait, e.g. `logRetry(logger, 'clever.tokens')`. */
  onRetry?: (event: RetryEvent) => void;
}

/** The n-th (1-based) exponential delay: initial * 2^(n-1), capped. 2/4/8/16/32 s by default. */
export function exponentialDelayMs(schedule: RetrySchedule, attempt: number): number {
  return Math.min(schedule.maxDelayMs, schedule.initialDelayMs * 2 ** (attempt - 1));
}

/** Network errors, timeouts, 429 and 500/502/503/504: everything an AppError marks transient. */
export function isTransientFailure(error: unknown): boolean {
  return error instanceof AppError && error.transient;
}

/**
 * A cockatiel retry policy with Clever's schedule. Deterministic (no jitter) so operators can
 * reason about the documented 2/4/8/16/32 s sequence. The Data API client wraps it with its own
 * rate-limit delay (`delayFor`) and a circuit breaker (`wrap(retryPolicy, breaker)`).
 *
 * Run work with `policy.execute(({ attempt }) => ...)`: `attempt` is 0 for the first try.
 */
export function createRetryPolicy(options: RetryPolicyOptions): RetryPolicy {
  const { schedule } = options;
  const shouldRetry = options.shouldRetry ?? isTransientFailure;
  const policy = retry(
    handleWhen((error) => shouldRetry(error)),
    {
      maxAttempts: schedule.count,
      backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => {
        const exponential = exponentialDelayMs(schedule, context.attempt);
        const error = 'error' in context.result ? context.result.error : undefined;
        const override = options.delayFor?.(error, context.attempt, exponential);
        return Math.max(0, override ?? exponential);
      }),
    },
  );
  if (options.onRetry) {
    const onRetry = options.onRetry;
    policy.onRetry((event) => {
      onRetry({
        attempt: event.attempt,
        delayMs: event.delay,
        error: 'error' in event ? event.error : undefined,
      });
    });
  }
  return policy;
}

/** An `onRetry` hook that logs one structured, sanitized warning per retry. */
export function logRetry(logger: Logger, operation: string): (event: RetryEvent) => void {
  return (event) => {
    logger.warn(
      {
        event: 'retry',
        operation,
        attempt: event.attempt,
        delayMs: event.delayMs,
        err: toLogObject(event.error),
      },
      `${operation}: retrying in ${event.delayMs} ms (retry ${event.attempt})`,
    );
  };
}

/** The retry schedule from the `clever` section of AppConfig. */
export function retryScheduleFromConfig(clever: { retry: RetrySchedule }): RetrySchedule {
  return { ...clever.retry };
}
