/**
 * What the sync engine says about an error, in logs, SyncHistory and run summaries. Errors cross
 * from the Clever client and the data layer as AppErrors, safe by contract, with one exception
 * handled here: when Clever answers with an unusable body, "Clever's message" may come from the
 * body, and a roster body is student data. So for those only the code, request, status and the
 * client's own description of the problem (`details.problem`, which never quotes the body) are kept.
 */
import { AppError, toLogObject } from '../../errors.js';

function quotesBody(error: AppError): boolean {
  return error.details.kind === 'invalid-response';
}

/** One line for SyncHistory.errorSummary, results and run summaries. */
export function describeError(error: unknown): string {
  if (error instanceof AppError) {
    if (quotesBody(error)) {
      const { method, path, status, problem } = error.details;
      const what = typeof problem === 'string' ? `: ${problem}` : '';
      return `${error.code}: Clever ${String(method)} ${String(path)} answered ${String(status ?? '')} with an unusable body${what}`;
    }
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The structured `err` field of a log line. */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (error instanceof AppError && quotesBody(error)) {
    const { cleverMessage: _dropped, ...details } = error.details;
    return { name: error.name, code: error.code, message: describeError(error), details };
  }
  return toLogObject(error);
}
