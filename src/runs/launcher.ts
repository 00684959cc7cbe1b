/**
 * Starts a sync the way the deployment is configured (SYNC_DISPATCH_MODE, docs/scaling.md):
 * - `in-process`: in this process (the sync engine's semaphore bounds concurrent schools);
 * - `queued-run`: recorded here, run by the run queue trigger in an invocation the host tracks;
 * - `queue`: one message per school (scale-out); runs the fan-out cannot name the schools of,
 *   and dry runs, go to the run queue as in `queued-run`.
 * The timer, the manual HTTP trigger and the CLI all start runs through here; the CLI always runs
 * in its own process (it shows progress and the result).
 */
import type { SyncTrigger } from '../domain/index.js';
import type { SyncProgress, SyncRunResult, SyncService } from '../sync/index.js';
import type { Logger } from '../telemetry/index.js';
import type { QueueFanOut } from './queue-fan-out.js';
import type { RunDispatcher } from './run-dispatch.js';
import type { SyncRequest } from './sync-request.js';

export type DispatchMode = 'in-process' | 'queued-run' | 'queue';

export interface LaunchedRun {
  runId: string;
  scope: 'all' | 'district' | 'school';
  scopeId: number | null;
  mode: DispatchMode;
  /** In-process runs: settles with the result (never rejects). Absent for queued runs. */
  done?: Promise<SyncRunResult>;
  /** `queue` mode: school messages sent. */
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
  /** Required in `queue` mode. */
  fanOut?: QueueFanOut | undefined;
  /** Required in `queued-run` and `queue` modes. */
  dispatcher?: RunDispatcher | undefined;
  logger: Logger;
}

export function createSyncLauncher(deps: SyncLauncherDeps): SyncLauncher {
  if (deps.mode === 'queue' && !deps.fanOut) throw new Error('queue dispatch mode needs a queue fan-out');
  if (deps.mode !== 'in-process' && !deps.dispatcher)
    throw new Error(`${deps.mode} dispatch mode needs a run dispatcher`);

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

  async function queuedRun(request: SyncRequest, trigger: SyncTrigger): Promise<LaunchedRun> {
    const dispatched = await (deps.dispatcher as RunDispatcher).dispatch(request, trigger);
    return { ...dispatched, mode: 'queued-run' };
  }

  return {
    mode: deps.mode,
    async launch(request, trigger, onProgress) {
      // A CLI run wants its progress and result here, so it always runs in its own process.
      if (deps.mode === 'in-process' || trigger === 'cli') return inProcess(request, trigger, onProgress);
      if (deps.mode === 'queued-run') return queuedRun(request, trigger);
      // A dry run writes no SyncHistory for the fan-out to account by (and is quick): one run message.
      const queued = request.dryRun ? null : await (deps.fanOut as QueueFanOut).start(request, trigger);
      if (queued) return { ...queued, mode: 'queue' };
      // SessionDb cannot name the schools (first run, new or unknown ids): the engine decides, in a run invocation.
      deps.logger.info({ scope: request.target.scope }, 'no known schools in scope: queued as one run');
      return queuedRun(request, trigger);
    },
  };
}
