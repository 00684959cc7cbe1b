/**
 * `queued-run` mode, receiving side: one invocation of the run queue trigger runs one recorded
 * run in process (the sync engine, attached to the recorded SyncRun row), so the whole run happens
 * inside an invocation the Functions host tracks.
 *
 * Delivery is at least once, and a run must not run twice:
 * - a message whose run is unknown or over does nothing;
 * - the first delivery that starts the run takes its start claim (a lease that outlives any
 *   redelivery), so a later copy finds it started: while the run's lease is alive another
 *   invocation is running it and the copy does nothing; once the lease has expired the invocation
 *   running it is gone, and the copy marks the run Abandoned, as crash recovery would;
 * - an invocation that fails before the run started gives the claim back, so the host's retry
 *   can start it; on the host's last attempt (host.json maxDequeueCount) the run is marked Failed,
 *   so a poisoned message never leaves a run Running.
 */
import { randomUUID } from 'node:crypto';
import type { SessionRepository } from '../db/index.js';
import { AppError, ConflictError, NotFoundError, toLogObject, ValidationError } from '../errors.js';
import type { SyncRunResult, SyncService } from '../sync/index.js';
import { leaseKeys, runIdOfHolder } from '../sync/index.js';
import { QueuedRunLeases, queueHolder } from './queued-run-leases.js';
import { endRecordedRun, type QueueInvocationDeps, runningRunOf } from './recorded-run.js';
import type { RunMessage } from './run-message.js';

/** `onRunCompleted`: for a run this worker ends itself (failed or abandoned before it could run). */
export interface RunWorkerDeps extends QueueInvocationDeps {
  sync: Pick<SyncService, 'start'>;
}

export type RunMessageOutcome =
  | { action: 'ran'; result: SyncRunResult }
  | {
      action: 'skipped';
      reason: 'run-unknown' | 'run-finished' | 'duplicate-delivery' | 'abandoned' | 'not-started';
    };

/** Kept longer than a message can live (7 days): a copy delivered at any time finds the claim. */
const START_CLAIM_SECONDS = 8 * 24 * 60 * 60;

/** The lease proving a run's message was taken up: no second delivery may start the run. */
export function startClaimKey(runId: string): string {
  return `sync:run-start:${runId}`;
}

const ABANDONED =
  'The invocation running this sync ended before it finished (its queue message was delivered again).';

export async function processRunMessage(
  message: RunMessage,
  attempt: number,
  deps: RunWorkerDeps,
): Promise<RunMessageOutcome> {
  const { session } = deps;
  const now = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ runId: message.runId, attempt });

  const run = await runningRunOf(session, message.runId, log);
  if (typeof run === 'string') return { action: 'skipped', reason: run };

  const runLease = leaseKeys.run(message.runId);
  const holder = queueHolder(message.runId);
  const releaseScopeLease = async () => {
    if (message.scopeLease) await session.leases.release(message.scopeLease, holder).catch(() => undefined);
  };
  const claimKey = startClaimKey(message.runId);
  const claimHolder = `${message.runId}#start-${randomUUID().slice(0, 8)}`;
  const claim = await session.leases.tryAcquire(claimKey, claimHolder, START_CLAIM_SECONDS);
  if (!claim.acquired) {
    // Another invocation started the run: this is a copy (that one's host crashed, timed out, or is still at it).
    if (await leaseIsAlive(session, runLease, message.runId)) {
      log.info('run already started by another invocation (duplicate delivery): nothing to do');
      return { action: 'skipped', reason: 'duplicate-delivery' };
    }
    // A finished run releases its run lease after recording its outcome: read the status again.
    if ((await session.runs.get(message.runId))?.status !== 'Running') {
      return { action: 'skipped', reason: 'run-finished' };
    }
    log.warn('run started by an invocation that is gone: marked Abandoned');
    await endRecordedRun(session, run, 'Abandoned', ABANDONED, now(), deps.onRunCompleted);
    await releaseScopeLease();
    await session.leases.release(claimKey, claim.holder).catch(() => undefined);
    return { action: 'skipped', reason: 'abandoned' };
  }
  const giveClaimBack = () => session.leases.release(claimKey, claimHolder).catch(() => undefined);
  // The claim is released only once the outcome is recorded: a copy that got it after that sees the run over.
  if ((await session.runs.get(message.runId))?.status !== 'Running') {
    await giveClaimBack();
    return { action: 'skipped', reason: 'run-finished' };
  }

  // The run lease proves the run alive to crash recovery while it runs; the scope lease passes to the engine.
  const leases = new QueuedRunLeases(session.leases, message.runId, deps.leaseSeconds, log);
  const fail = async (reason: string) => {
    await endRecordedRun(session, run, 'Failed', reason, now(), deps.onRunCompleted);
    await releaseScopeLease();
    await leases.releaseAll();
  };

  let started: Awaited<ReturnType<typeof deps.sync.start>>;
  try {
    await leases.take([runLease], [], run.scope);
    if (message.scopeLease) await takeScopeLease(session, message.scopeLease, holder, deps.leaseSeconds);
    started = await leases.keepAliveWhile(() =>
      deps.sync.start(message.target, {
        runId: message.runId,
        trigger: message.requestedBy,
        full: message.full,
        dryRun: message.dryRun,
        force: message.force,
        recordedRun: { leaseHolder: holder },
      }),
    );
  } catch (error) {
    // The run ends before the claim is given back, so a copy that takes the claim then finds it over.
    if (
      error instanceof ConflictError ||
      error instanceof NotFoundError ||
      error instanceof ValidationError
    ) {
      // Retrying cannot help (another run took the scope while this one waited, the school is gone).
      log.warn({ err: toLogObject(error) }, 'queued run could not start: run failed');
      await fail(`Not started: ${error.message}`);
      await giveClaimBack();
      return { action: 'skipped', reason: 'not-started' };
    }
    log.error({ err: toLogObject(error) }, 'queued run could not start');
    if (attempt >= deps.maxDequeueCount) {
      // The host gives up after this attempt (poison queue): the run must not stay Running.
      const code = error instanceof AppError ? error.code : 'INTERNAL';
      await fail(`Not started after ${attempt} attempts (${code}); the message is in the poison queue`).catch(
        (cause: unknown) => log.error({ err: toLogObject(cause) }, 'could not record the poisoned run'),
      );
    }
    // Given back, the claim lets the host's next delivery start the run.
    await giveClaimBack();
    throw error;
  }

  const result = await leases.keepAliveWhile(() => started.done);
  await leases.releaseAll();
  await giveClaimBack();
  log[result.status === 'Failed' ? 'error' : 'info'](
    { status: result.status, durationMs: result.durationMs, error: result.error },
    `queued run ${result.status}`,
  );
  return { action: 'ran', result };
}

/** Renews the scope lease the dispatcher took (or takes it again if it expired while the message waited). */
async function takeScopeLease(
  session: SessionRepository,
  key: string,
  holder: string,
  ttlSeconds: number,
): Promise<void> {
  const lease = await session.leases.tryAcquire(key, holder, ttlSeconds);
  if (!lease.acquired) {
    const running = runIdOfHolder(lease.holder);
    throw new ConflictError(`another sync of the same scope started while this run waited (run ${running})`, {
      runId: running,
    });
  }
}

/** Whether someone still renews `key` for `runId` (probed the way crash recovery probes). */
async function leaseIsAlive(session: SessionRepository, key: string, runId: string): Promise<boolean> {
  const probe = `probe#${randomUUID().slice(0, 8)}`;
  const result = await session.leases.tryAcquire(key, probe, 30);
  if (result.acquired) {
    await session.leases.release(key, probe);
    return false;
  }
  return runIdOfHolder(result.holder) === runId;
}
