import { handleWhen, type IBackoff, type IRetryBackoffContext, retry } from 'cockatiel';
import type { Logger } from '../telemetry/index.js';
import type { DatabaseProvider } from './base/dialect.js';
import { type TransientKind, toDatabaseError, transientKind } from './errors.js';

export interface DatabaseRetryOptions {
  provider: DatabaseProvider;
  /** Retries after the first attempt (DATABASE_RETRY_COUNT, default 3); 0 disables retries. */
  retryCount?: number;
  /**
   * Replace the per-kind schedules below with one plain exponential schedule (tests that must
   * not wait seconds): the first delay, doubling up to `maxDelayMs`.
   */
  initialDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
}

/** Runs one unit of database work (a query, a chunk's transaction) with retries. */
export type DatabaseRunner = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

/**
 * How long the retries of one unit of work wait in total, by kind of failure. The delays double
 * and add up to this budget over however many retries DATABASE_RETRY_COUNT allows (each is then
 * stretched by up to 20% of jitter, so the budget is a floor):
 * - conflict: a deadlock victim retries almost at once;
 * - busy: longer than SQLite's 5 s busy timeout, so a writer holding the file's lock for a few
 *   seconds (a large chunk, the CLI) delays us instead of failing the school;
 * - connection: a refused or reset connection, e.g. a PostgreSQL restart;
 * - failover, throttled: Azure SQL reconfigurations finish "typically within 60 s", and its
 *   resource-limit errors ask for a pause of seconds (40501: "retry after 10 seconds").
 */
export const RETRY_BUDGET_MS: Readonly<Record<TransientKind, number>> = {
  conflict: 1_000,
  busy: 6_000,
  connection: 15_000,
  failover: 60_000,
  throttled: 60_000,
};

/** The delay before retry `attempt` (1-based) of `retryCount`, without jitter. */
export function retryDelayMs(kind: TransientKind, attempt: number, retryCount: number): number {
  const steps = Math.max(1, retryCount);
  return (RETRY_BUDGET_MS[kind] * 2 ** (Math.min(attempt, steps) - 1)) / (2 ** steps - 1);
}

/**
 * Retries transient errors only (src/db/errors.ts), waiting by kind of error (RETRY_BUDGET_MS).
 * Whatever finally escapes is an AppError with a log-safe message. Retried work must be
 * idempotent or a whole transaction: every caller passes one.
 */
export function createDatabaseRunner(options: DatabaseRetryOptions): DatabaseRunner {
  const { provider, logger } = options;
  const retryCount = options.retryCount ?? 3;
  const delayFor = (error: unknown, attempt: number): number => {
    if (options.initialDelayMs !== undefined || options.maxDelayMs !== undefined) {
      const initial = options.initialDelayMs ?? 200;
      return Math.min(initial * 2 ** (attempt - 1), options.maxDelayMs ?? 5_000);
    }
    const kind = transientKind(error, provider) ?? 'connection';
    return retryDelayMs(kind, attempt, retryCount) * (1 + Math.random() * 0.2);
  };
  const backoff = {
    next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
      const error = 'error' in context.result ? context.result.error : undefined;
      return { duration: delayFor(error, context.attempt), next: backoff.next };
    },
  };

  return async (operation, work) => {
    if (retryCount <= 0) {
      return work().catch((error: unknown) => {
        throw toDatabaseError(error, operation, provider);
      });
    }
    const policy = retry(
      handleWhen((error) => transientKind(error, provider) !== null),
      { maxAttempts: retryCount, backoff },
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
