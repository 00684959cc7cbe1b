/**
 * The leases of a queued run, held under the holder every queue invocation of the run shares
 * (`<runId>#queue`): the run lease and its scope lease live until the run ends (`queue` mode: the
 * last school releases them; `queued-run` mode: the invocation running the run). The enqueuing
 * request takes them, and renews them while it refreshes the school lists (which reads Clever and
 * may outlast a short SYNC_LEASE_SECONDS); from then on the queue invocations renew.
 */
import type { SessionRepository } from '../db/index.js';
import { ConflictError, toLogObject } from '../errors.js';
import type { SyncTarget } from '../sync/index.js';
import { runIdOfHolder } from '../sync/index.js';
import type { Logger } from '../telemetry/index.js';

/** Every queue invocation of a run renews and finally releases the run's leases under this holder. */
export function queueHolder(runId: string): string {
  return `${runId}#queue`;
}

export class QueuedRunLeases {
  private readonly held: string[] = [];
  private readonly holder: string;

  constructor(
    private readonly leases: SessionRepository['leases'],
    runId: string,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
  ) {
    this.holder = queueHolder(runId);
  }

  /**
   * Takes `keys` for the run's lifetime and checks `probes` are free (runs of enclosing scopes, or
   * a single school's own lease, which the queue invocation takes later). Throws ConflictError with
   * the running run's id, holding nothing, when any is taken.
   */
  async take(keys: readonly string[], probes: readonly string[], scope: SyncTarget['scope']): Promise<void> {
    for (const key of keys) {
      const lease = await this.leases.tryAcquire(key, this.holder, this.ttlSeconds);
      if (!lease.acquired) throw await this.conflict(lease.holder, scope);
      this.held.push(key);
    }
    for (const key of probes) {
      const probe = await this.leases.tryAcquire(key, this.holder, 30);
      if (!probe.acquired) throw await this.conflict(probe.holder, scope);
      await this.leases.release(key, this.holder);
    }
  }

  async releaseAll(): Promise<void> {
    for (const key of this.held.splice(0)) {
      await this.leases.release(key, this.holder).catch(() => undefined);
    }
  }

  /** Runs `work` while renewing the held leases at a third of their lifetime. */
  async keepAliveWhile<T>(work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => void this.renew(), Math.max(1_000, (this.ttlSeconds * 1_000) / 3));
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private async renew(): Promise<void> {
    for (const key of this.held) {
      try {
        if (!(await this.leases.renew(key, this.holder, this.ttlSeconds)))
          this.logger.error({ leaseKey: key }, 'queued run lease was lost (expired and taken over)');
      } catch (error) {
        this.logger.warn({ leaseKey: key, err: toLogObject(error) }, 'could not renew queued run lease');
      }
    }
  }

  private async conflict(holder: string, scope: SyncTarget['scope']): Promise<ConflictError> {
    await this.releaseAll();
    const running = runIdOfHolder(holder);
    return new ConflictError(`A sync covering this ${scope} is already running (run ${running})`, {
      runId: running,
    });
  }
}
