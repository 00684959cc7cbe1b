/**
 * Cross-process exclusion through SessionDb leases. Keys name what is being synced; the holder is
 * `<runId>#<nonce>` so a second request can be told which run is in the way, while two processes
 * working for one run (queue fan-out) still exclude each other. Held leases are renewed on a
 * timer at a third of their lifetime, so a sync may take longer than the lease while a crashed
 * process frees its schools once the lease expires.
 */

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionRepository } from '../db/index.js';
import type { Logger } from '../telemetry/index.js';
import { errorForLog } from './report/error-text.js';

export const leaseKeys = {
  all: (): string => 'sync:all',
  district: (cleverDistrictId: string): string => `sync:district:${cleverDistrictId}`,
  school: (schoolId: number): string => `sync:school:${schoolId}`,
  /** Held by every run for its lifetime: proves to `recoverAbandoned` that the run is alive. */
  run: (runId: string): string => `sync:run:${runId}`,
};

export function makeHolder(runId: string): string {
  return `${runId}#${randomUUID().slice(0, 8)}`;
}

export function runIdOfHolder(holder: string): string {
  const hash = holder.lastIndexOf('#');
  return hash === -1 ? holder : holder.slice(0, hash);
}

export type AcquireOutcome = { acquired: true } | { acquired: false; runningRunId: string };

export class LeaseSet {
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly leases: SessionRepository['leases'],
    readonly holder: string,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
  ) {}

  async acquire(key: string): Promise<AcquireOutcome> {
    if (this.held.has(key)) return { acquired: true };
    const result = await this.leases.tryAcquire(key, this.holder, this.ttlSeconds);
    if (!result.acquired) return { acquired: false, runningRunId: runIdOfHolder(result.holder) };
    this.held.add(key);
    this.ensureTimer();
    return { acquired: true };
  }

  async release(key: string): Promise<void> {
    if (!this.held.delete(key)) return;
    try {
      await this.leases.release(key, this.holder);
    } catch (error) {
      // An unreleased lease only delays the next sync of that key until it expires.
      this.logger.warn({ leaseKey: key, err: errorForLog(error) }, 'could not release sync lease');
    }
    if (this.held.size === 0) this.stopTimer();
  }

  /**
   * Releases every held lease. A lease that cannot be released (SessionDb briefly unreachable) is
   * tried again for up to `settleBudgetMs`, and renewed meanwhile: an unreleased lease blocks the
   * next sync of its target until it expires (an hour by default).
   */
  async releaseAll(settleBudgetMs = 0): Promise<void> {
    const deadline = Date.now() + settleBudgetMs;
    let delay = 500;
    for (;;) {
      for (const key of [...this.held]) {
        try {
          await this.leases.release(key, this.holder);
          this.held.delete(key);
        } catch (error) {
          this.logger.warn({ leaseKey: key, err: errorForLog(error) }, 'could not release sync lease');
        }
      }
      if (this.held.size === 0 || Date.now() >= deadline) break;
      await sleep(Math.min(delay, deadline - Date.now()));
      delay = Math.min(delay * 2, 8_000);
    }
    this.held.clear();
    this.stopTimer();
  }

  /** Renews every held lease now (also called by the timer). */
  async renewAll(): Promise<void> {
    for (const key of [...this.held]) {
      try {
        const ok = await this.leases.renew(key, this.holder, this.ttlSeconds);
        if (!ok)
          this.logger.error(
            { leaseKey: key },
            'sync lease was lost (expired and taken over); another process may be syncing the same target',
          );
      } catch (error) {
        this.logger.warn({ leaseKey: key, err: errorForLog(error) }, 'could not renew sync lease');
      }
    }
  }

  private ensureTimer(): void {
    if (this.timer) return;
    const everyMs = Math.max(1_000, (this.ttlSeconds * 1_000) / 3);
    this.timer = setInterval(() => void this.renewAll(), everyMs);
    // Renewal must never keep a CLI process alive on its own.
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
