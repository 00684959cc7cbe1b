/**
 * The writes that end a piece of a run (a SyncHistory row, the SyncRun row, lease releases) must
 * survive a short SessionDb outage: a restart or an Azure SQL failover takes seconds to a minute,
 * longer than one statement's retries. Left unwritten, a run stays Running and its leases block
 * the next run until they expire (an hour by default). So these writes are retried on transient
 * errors for a bounded time before giving up (crash recovery then cleans up, as after a crash).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';

export interface SettleOptions {
  /** How long to keep trying, in all. */
  budgetMs: number;
  /** First wait between attempts; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Default budget for a run's final writes. */
export const FINAL_WRITE_BUDGET_MS = 60_000;

export function isTransient(error: unknown): boolean {
  return error instanceof AppError && error.transient;
}

/** Runs `work`, retrying transient failures until the budget is spent; rethrows the last error. */
export async function settle<T>(work: () => Promise<T>, options: SettleOptions): Promise<T> {
  const deadline = Date.now() + options.budgetMs;
  let delay = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 8_000;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      const left = deadline - Date.now();
      if (!isTransient(error) || left <= 0) throw error;
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
