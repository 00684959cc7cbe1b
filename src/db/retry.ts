import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Logger } from '../telemetry/index.js';
import { isTransientDatabaseError, toDatabaseError } from './errors.js';
import type { DatabaseProvider } from './url.js';

export interface DatabaseRetryOptions {
  provider: DatabaseProvider;
  /** Retries after the first attempt (DATABASE_RETRY_COUNT, default 3). */
  retryCount?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
}

/** Runs one unit of database work (a query, a chunk's transaction) with retries. */
export type DatabaseRunner = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

/**
 * Exponential backoff (200 ms doubling, jittered, at most 5 s) on transient errors only
 * (src/db/errors.ts). Whatever finally escapes is an AppError with a log-safe message.
 * Retried work must be idempotent or a whole transaction: every caller passes one.
 */
export function createDatabaseRunner(options: DatabaseRetryOptions): DatabaseRunner {
  const { provider, logger } = options;
  const retryCount = options.retryCount ?? 3;
  return async (operation, work) => {
    if (retryCount <= 0) {
      return work().catch((error: unknown) => {
        throw toDatabaseError(error, operation, provider);
      });
    }
    const policy = retry(
      handleWhen((error) => isTransientDatabaseError(error, provider)),
      {
        maxAttempts: retryCount,
        backoff: new ExponentialBackoff({
          initialDelay: options.initialDelayMs ?? 200,
          maxDelay: options.maxDelayMs ?? 5_000,
        }),
      },
    );
    const listener = policy.onRetry((event) => {
      const error = 'error' in event ? toDatabaseError(event.error, operation, provider) : undefined;
      logger?.warn(
        {
          operation,
          provider,
          attempt: event.attempt,
          delayMs: Math.round(event.delay),
          err: error?.toJSON(),
        },
        'transient database error: retrying',
      );
    });
    try {
      return await policy.execute(() => work());
    } catch (error) {
      throw toDatabaseError(error, operation, provider);
    } finally {
      listener.dispose();
    }
  };
}
