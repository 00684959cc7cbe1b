import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { type AppServices, getAppServices, getSyncServices } from '../app.js';
import { asAppError } from '../errors.js';
import { redactText } from '../telemetry/index.js';
import { json, serverErrorBody } from './http-responses.js';
import { registerHttp } from './registry.js';

/** A cold worker waits this long for its first authentication check before answering "degraded". */
const FIRST_CHECK_WAIT_MS = 3_000;
const NO_STORE = { 'cache-control': 'no-store' };

type HealthServices = () => Promise<Pick<AppServices, 'cleverAuthHealth'>>;

/**
 * GET /api/health/clever-auth: the cached CleverAuthHealthCheck report. 200 when healthy or
 * degraded, 503 when unhealthy (or when the app could not even start, e.g. invalid configuration).
 */
export function cleverAuthHealthHandler(services: HealthServices) {
  return async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    let health: Awaited<ReturnType<HealthServices>>['cleverAuthHealth'];
    try {
      health = (await services()).cleverAuthHealth;
    } catch (error) {
      const failure = asAppError(error, 'The app could not start');
      context.error(redactText(`clever-auth health: services unavailable: ${failure.code}`));
      return json(
        503,
        {
          status: 'unhealthy',
          reasons: ['The app could not start'],
          lastError: { code: failure.code, message: redactText(serverErrorBody(failure).error.message) },
        },
        NO_STORE,
      );
    }
    const report = await health.currentOrFirst(FIRST_CHECK_WAIT_MS);
    return json(report.status === 'unhealthy' ? 503 : 200, report, NO_STORE);
  };
}

export const cleverAuthHealth = cleverAuthHealthHandler(async () => {
  // Best effort, in the background: once the SessionDb is open, health also names districts that
  // disconnected since earlier runs (CleverAuthService.useKnownDistricts); the probe never waits for it.
  void getSyncServices().catch(() => undefined);
  return getAppServices();
});

/** GET /api/health/live: the worker runs and answers; touches no dependency. */
export async function liveness(
  _request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  return json(200, { status: 'alive', time: new Date().toISOString() }, NO_STORE);
}

// The promised path, outside the /api prefix (host.json sets routePrefix to "" for it).
registerHttp('HealthCleverAuthRoot', {
  route: 'health/clever-auth',
  methods: ['GET'],
  // The report names districts and error causes: callers (availability tests) pass a function key.
  authLevel: 'function',
  handler: cleverAuthHealth,
});

// The path of earlier releases: monitors, the alert rule and the post-deploy check still call it.
registerHttp('HealthCleverAuth', {
  route: 'api/health/clever-auth',
  methods: ['GET'],
  authLevel: 'function',
  handler: cleverAuthHealth,
});

registerHttp('HealthLive', {
  route: 'api/health/live',
  methods: ['GET'],
  // Platform health probes (App Service health check) call without keys.
  authLevel: 'anonymous',
  handler: liveness,
});
