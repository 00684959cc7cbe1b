import type { HttpResponseInit } from '@azure/functions';
import { AppError, toLogObject } from '../errors.js';
import type { Logger } from '../telemetry/index.js';

/** The host's default HTTP route prefix (host.json `extensions.http.routePrefix` is not overridden). */
export const ROUTE_PREFIX = 'api';

/** What an HTTP function without `methods` answers to. */
export const ALL_HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Tiny response helpers so every handler answers in the same JSON shape. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    jsonBody: body,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  };
}

/**
 * An error as a response: an AppError keeps its status, code and safe message; anything else is a
 * 500 with a generic message (its own message may carry a connection string or a token).
 */
export function errorResponse(error: unknown, logger?: Logger): HttpResponseInit {
  if (error instanceof AppError) {
    if (error.httpStatus >= 500) logger?.error({ err: toLogObject(error) }, 'request failed');
    // Details (e.g. the running run's `runId` of a 409, the `problems` of a 400) sit at the top level.
    return json(error.httpStatus, { error: { code: error.code, message: error.message }, ...error.details });
  }
  logger?.error({ err: toLogObject(error) }, 'request failed with an unexpected error');
  return json(500, { error: { code: 'INTERNAL', message: 'Unexpected internal error' } });
}
