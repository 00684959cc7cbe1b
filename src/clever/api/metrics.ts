/**
 * Running totals of one client, for the sync run summary, health output and benchmarks. Plain
 * counters (no per-request history) so memory stays constant however long the client lives.
 */
export interface CleverApiMetrics {
  /** HTTP requests actually sent, retries included. */
  requests: number;
  /** Retry waits after transient failures (network, timeout, 429, 500/502/503/504). */
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
  /** Waits imposed by a token's rate limiter, and their total duration. */
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  /** Token rediscoveries after a 401. */
  tokenRefreshes: number;
}

export function createMetrics(): CleverApiMetrics {
  return {
    requests: 0,
    retries: 0,
    rateLimited: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    tokenRefreshes: 0,
  };
}
