import { CleverApiError, type CleverApiErrorInit } from '../http/index.js';

/**
 * Data-API specific failures, all CleverApiError (so all AppError): status, method, path without
 * secrets, Clever's message and the attempt count, never a token or a raw AxiosError.
 */

/**
 * 404: the record is not shared with the app (any more) or was deleted. Not a failure of the sync:
 * the caller archives the record locally and carries on. `code` is CLEVER_NOT_FOUND.
 */
export class CleverNotFoundError extends CleverApiError {
  constructor(init: CleverApiErrorInit) {
    super({ ...init, kind: 'http', status: 404, transient: false });
    this.message = `${this.message} (the record is not shared with the app or was deleted)`;
  }
}

/**
 * 413: the requested `limit` is above Clever's maximum (10,000 records per page). A configuration
 * problem, not a transient one; the message names the setting to change. `code` is CLEVER_LIMIT_TOO_LARGE.
 */
export class CleverLimitTooLargeError extends CleverApiError {
  readonly pageSize: number | undefined;

  constructor(init: CleverApiErrorInit, pageSize: number | undefined) {
    super({ ...init, kind: 'http', status: 413, transient: false });
    this.pageSize = pageSize;
    this.details.pageSize = pageSize;
    this.details.setting = 'SYNC_PAGE_SIZE';
    this.message =
      `Clever refused page size limit=${pageSize ?? '?'} with 413: Clever returns at most ` +
      `${MAX_PAGE_SIZE} records per page; set SYNC_PAGE_SIZE (or pageSize) to 1..${MAX_PAGE_SIZE}. ` +
      `(${this.message})`;
  }
}

export const MAX_PAGE_SIZE = 10_000;

/** Network code of the CleverApiError thrown while a host's circuit breaker is open. */
export const CIRCUIT_OPEN = 'CIRCUIT_OPEN';

export function isCircuitOpen(error: unknown): boolean {
  return error instanceof CleverApiError && error.networkCode === CIRCUIT_OPEN;
}

/** Whether the error means "this record is gone for the app" (archive it and continue). */
export function isCleverNotFound(error: unknown): error is CleverApiError {
  return error instanceof CleverApiError && error.code === 'CLEVER_NOT_FOUND';
}
