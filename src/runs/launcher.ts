/**
 * Starts a sync the way the deployment is configured: in this process (default; the sync engine's
 * semaphore bounds concurrent schools) or fanned out to the Storage queue (scale-out mode). The
 * timer, the manual HTTP trigger and the CLI all start runs through here.
 */
import type { SyncTrigger } from '../db/types.js';
import type { SyncProgress, SyncRunResult, SyncService } from '../sync/types.js';
import type { Logger } from '../telemetry/index.js';
import type { QueueFanOut } from './queue-fan-out.js';
import type { SyncRequest } from './sync-request.js';

export type DispatchMode = 'in-process' | 'queue';

export interface LaunchedRun {
  runId: string;
  scope: 'all' | 'district' | 'school';
  scopeId: number | null;
  mode: DispatchMode;
  /** In-process runs: settles with the result (never rejects). Absent for queued runs. */
  done?: Promise<SyncRunResult>;
  schoolsQueued?: number;
}

export interface SyncLauncher {
  readonly mode: DispatchMode;
  /** Rejects with ValidationError, NotFoundError or ConflictError (`details.runId`) before anything runs. */
  launch(
    request: SyncRequest,
    trigger: SyncTrigger,
    onProgress?: (progress: SyncProgress) => void,
  ): Promise<LaunchedRun>;
}

export interface SyncLauncherDeps {
  sync: Pick<SyncService, 'start'>;
  mode: DispatchMode;
  /** Required in queue mode. */
  fanOut?: QueueFanOut | undefined;
  logger: Logger;
}

export function createSyncLauncher(deps: SyncLauncherDeps): SyncLauncher {
  if (deps.mode === 'queue' && !deps.fanOut) throw new Error('queue dispatch mode needs a queue fan-out');

  async function inProcess(
    request: SyncRequest,
    trigger: SyncTrigger,
    onProgress?: (progress: SyncProgress) => void,
  ): Promise<LaunchedRun> {
    const started = await deps.sync.start(request.target, {
      full: request.full,
      dryRun: request.dryRun,
      force: request.force,
      trigger,
      ...(onProgress ? { onProgress } : {}),
    });
    return {
      runId: started.runId,
      scope: started.scope,
      scopeId: started.scopeId,
      mode: 'in-process',
      done: started.done,
    };
  }

  return {
    mode: deps.mode,
    async launch(request, trigger, onProgress) {
      // A CLI run wants its progress and result here, so it always runs in its own process; a dry
      // run writes nothing (no SyncHistory for the queue to account by) and is quick: also here.
      if (deps.mode === 'in-process' || !deps.fanOut || trigger === 'cli' || request.dryRun) {
        return inProcess(request, trigger, onProgress);
      }
      const queued = await deps.fanOut.start(request, trigger);
      if (queued) return { ...queued, mode: 'queue' };
      // SessionDb cannot name the schools (first run, new or unknown ids): the engine decides in process.
      deps.logger.info({ scope: request.target.scope }, 'no known schools in scope: syncing in process');
      return inProcess(request, trigger, onProgress);
    },
  };
}
