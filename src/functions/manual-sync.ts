import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { asAppError, ConflictError, ValidationError } from '../errors.js';
import { loadRunView, parseSyncQuery, RUN_ID_PATTERN, statusPath } from '../runs/index.js';
import { redactText } from '../telemetry/index.js';
import { errorResponse, json } from './http-responses.js';
import { registerHttp } from './registry.js';
import { type SyncFunctionsDeps, syncFunctionsDeps } from './sync-deps.js';

/** An HttpHandler that always answers with a plain HttpResponseInit (tests read `jsonBody`). */
export type JsonHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * POST /api/sync[?schoolId=|?districtId=][&full=true][&dryRun=true][&force=true]
 * Azure ends HTTP requests after 230 s, so the run starts in the background and the answer is
 * 202 with the run id and a status URL; a run that ends within the wait budget
 * (SYNC_HTTP_WAIT_SECONDS) answers 200 with its result directly.
 */
export function createManualSyncHandler(getDeps: () => Promise<SyncFunctionsDeps>): JsonHttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    let deps: SyncFunctionsDeps | undefined;
    try {
      const syncRequest = parseSyncQuery(request.query);
      deps = await getDeps();
      const launched = await deps.launcher.launch(syncRequest, 'http');
      const log = deps.logger.child({ invocationId: context.invocationId, runId: launched.runId });
      log.info(
        { scope: launched.scope, scopeId: launched.scopeId, mode: launched.mode, dryRun: syncRequest.dryRun },
        'manual sync started',
      );

      if (launched.done && deps.waitBudgetMs > 0) {
        const finished = await settlesWithin(launched.done, deps.waitBudgetMs);
        if (finished) {
          const record = await deps.session.runs.get(launched.runId);
          if (record && record.status !== 'Running')
            return json(200, await loadRunView(deps.session, record));
        }
      }
      // The run goes on without us; never let its outcome become an unhandled rejection.
      launched.done?.catch(() => undefined);
      const record = await deps.session.runs.get(launched.runId);
      const body = record
        ? { ...(await loadRunView(deps.session, record)), mode: launched.mode }
        : {
            runId: launched.runId,
            status: 'Running',
            finished: false,
            statusUrl: statusPath(launched.runId),
            mode: launched.mode,
          };
      return json(
        202,
        {
          ...body,
          ...(launched.schoolsQueued !== undefined ? { schoolsQueued: launched.schoolsQueued } : {}),
        },
        {
          location: statusPath(launched.runId),
        },
      );
    } catch (error) {
      if (error instanceof ConflictError)
        deps?.logger.info({ runId: error.details.runId }, 'manual sync refused: already running');
      if (!deps) reportStartupFailure(error, context);
      return errorResponse(error, deps?.logger);
    }
  };
}

/** GET /api/sync/runs/{runId}: status, progress and counts of a run, from any instance. */
export function createRunStatusHandler(getDeps: () => Promise<SyncFunctionsDeps>): JsonHttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    let deps: SyncFunctionsDeps | undefined;
    try {
      const runId = request.params.runId ?? '';
      if (!RUN_ID_PATTERN.test(runId)) {
        throw new ValidationError(
          'runId must be the id returned by POST /api/sync (8-64 letters, digits, - or _)',
        );
      }
      deps = await getDeps();
      const record = await deps.session.runs.get(runId);
      if (!record) return json(404, { error: { code: 'NOT_FOUND', message: `No sync run ${runId}` }, runId });
      return json(200, await loadRunView(deps.session, record));
    } catch (error) {
      if (!deps) reportStartupFailure(error, context);
      return errorResponse(error, deps?.logger);
    }
  };
}

/** Without services there is no app logger: the host's log still learns why (safe message only). */
function reportStartupFailure(error: unknown, context: InvocationContext): void {
  if (error instanceof ValidationError) return;
  context.error(redactText(`sync services unavailable: ${asAppError(error, 'unexpected error').message}`));
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

export const manualSyncHandler = createManualSyncHandler(syncFunctionsDeps);
export const runStatusHandler = createRunStatusHandler(syncFunctionsDeps);

registerHttp('ManualSyncFunction', {
  route: 'api/sync',
  methods: ['POST'],
  authLevel: 'function',
  handler: manualSyncHandler,
});

registerHttp('SyncRunStatusFunction', {
  route: 'api/sync/runs/{runId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: runStatusHandler,
});
