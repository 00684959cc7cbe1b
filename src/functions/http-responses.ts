import type { HttpResponseInit } from '@azure/functions';
import { AppError, ConfigError, type ErrorCode, toLogObject } from '../errors.js';
import type { Logger } from '../telemetry/index.js';

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
    if (error.httpStatus >= 500) {
      logger?.error({ err: toLogObject(error) }, 'request failed');
      return json(error.httpStatus, serverErrorBody(error));
    }
    // Details (e.g. the running run's `runId` of a 409, the `problems` of a 400) sit at the top level.
    return json(error.httpStatus, { error: { code: error.code, message: error.message }, ...error.details });
  }
  logger?.error({ err: toLogObject(error) }, 'request failed with an unexpected error');
  return json(500, { error: { code: 'INTERNAL', message: SERVER_MESSAGES.INTERNAL } });
}

/** What a 5xx body says per code: which part failed, never how (the app log has the rest). */
const SERVER_MESSAGES: Partial<Record<ErrorCode, string>> & { INTERNAL: string } = {
  INTERNAL: 'Unexpected internal error (details in the app log)',
  SECRET_NOT_FOUND: 'A required Key Vault secret is missing (details in the app log)',
  SECRET_STORE_UNAVAILABLE: 'Key Vault is unavailable (details in the app log)',
  CLEVER_AUTH_FAILED: 'Clever authentication failed (details in the app log)',
  CLEVER_RATE_LIMITED: 'Clever kept rate-limiting the requests (details in the app log)',
  CLEVER_REQUEST_FAILED: 'A request to Clever failed (details in the app log)',
  CLEVER_BAD_RESPONSE: 'Clever answered with something unexpected (details in the app log)',
  DATABASE_UNAVAILABLE: 'A database is unavailable (details in the app log)',
  DATABASE_ERROR: 'A database operation failed (details in the app log)',
  MIGRATION_FAILED: 'A database migration failed (details in the app log)',
};

/**
 * The body of a 5xx: the code and a fixed message. Messages of driver, SDK and storage errors can
 * name hosts, database users and paths, so only a ConfigError keeps its own message (it names the
 * bad settings, never a secret value; docs/troubleshooting.md).
 */
export function serverErrorBody(
  error: AppError,
): { error: { code: ErrorCode; message: string } } & Record<string, unknown> {
  if (error instanceof ConfigError) {
    return { error: { code: error.code, message: error.message }, problems: error.problems };
  }
  return { error: { code: error.code, message: SERVER_MESSAGES[error.code] ?? SERVER_MESSAGES.INTERNAL } };
}
