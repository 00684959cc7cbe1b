import { AppError } from '../errors.js';
import { redactText } from '../telemetry/index.js';
import type { DatabaseProvider } from './base/dialect.js';
import { databaseErrorCode, type ErrorFacts, errorFacts, type TransientKind } from './base/error-facts.js';
import { allDialects, dialectNamed } from './dialects.js';

/**
 * Which database errors are worth retrying, and how long to wait: what every provider shares,
 * here, and each provider's own codes from its dialect (`errors` rules, ./sqlite/errors.ts etc.).
 * Error shapes and how they are read: ./base/error-facts.ts.
 */
export type { TransientKind };

/** Connection failures, whichever driver reports them (Node, pg, tedious/mssql). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ESOCKET',
  'ECONNCLOSED',
]);
// Prisma: can't reach server, connect timed out, server closed the connection, pool timeout.
const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
// Prisma driver-adapter error kinds.
const ADAPTER_KINDS: ReadonlyMap<string, TransientKind> = new Map([
  ['DatabaseNotReachable', 'connection'],
  ['ConnectionClosed', 'connection'],
  ['SocketTimeout', 'connection'],
  ['TransactionWriteConflict', 'conflict'],
  ['TooManyConnections', 'throttled'],
]);
// Prisma: unique / foreign key / not-null / value-too-long violations.
const PRISMA_CONSTRAINT = new Set(['P2000', 'P2002', 'P2003', 'P2011']);
const ADAPTER_CONSTRAINT_KINDS = new Set([
  'UniqueConstraintViolation',
  'ForeignKeyConstraintViolation',
  'NullConstraintViolation',
  'LengthMismatch',
]);

/** A constraint violation, in any provider's words (callers such as leases need not know which). */
export function isConstraintViolation(error: unknown): boolean {
  const found = errorFacts(error);
  return (
    found.codes.some((code) => PRISMA_CONSTRAINT.has(code)) ||
    found.kinds.some((kind) => ADAPTER_CONSTRAINT_KINDS.has(kind)) ||
    allDialects().some((dialect) => dialect.errors.isConstraintViolation(found))
  );
}

/**
 * The kind of transient failure, or null when retrying the same work cannot help (constraint
 * violations, syntax errors, permissions, a statement that ran out its own timeout).
 */
export function transientKind(error: unknown, provider: DatabaseProvider): TransientKind | null {
  if (error instanceof AppError) return error.transient ? 'connection' : null;
  if (isConstraintViolation(error)) return null;
  const found = errorFacts(error);
  const rules = dialectNamed(provider).errors;
  const byProvider = rules.transientKind(found);
  if (byProvider) return byProvider;
  for (const kind of found.kinds) {
    const mapped = rules.adapterKinds?.get(kind) ?? ADAPTER_KINDS.get(kind);
    if (mapped) return mapped;
  }
  if (found.codes.some((code) => PRISMA_CONNECTION_CODES.has(code) || SOCKET_CODES.has(code))) {
    return 'connection';
  }
  if (found.codes.includes('ETIMEOUT') && !isRequestTimeout(found)) return 'connection';
  if (found.codes.includes('P2034')) return 'conflict';
  return null;
}

/** True when retrying the same work may succeed. Constraint violations never are. */
export function isTransientDatabaseError(error: unknown, provider: DatabaseProvider): boolean {
  return transientKind(error, provider) !== null;
}

/**
 * tedious's ETIMEOUT means either "could not connect in time" (transient) or "the statement
 * ran longer than the request timeout": retrying that would only run it out again.
 */
function isRequestTimeout(found: ErrorFacts): boolean {
  return found.allMessages.some((message) => /Timeout: Request failed to complete/i.test(message));
}

/**
 * Wraps a driver/Prisma error in an AppError whose message is safe to log: the operation,
 * provider and driver code, plus the driver's own message (which names tables and constraints,
 * not values) with anything credential-like redacted.
 */
export function toDatabaseError(error: unknown, operation: string, provider: DatabaseProvider): AppError {
  if (error instanceof AppError) return error;
  if ((error as { code?: unknown } | null)?.code === 'P2025') {
    // Prisma: the record to update or delete does not exist.
    return new AppError('NOT_FOUND', `Database ${operation}: record not found`, {
      httpStatus: 404,
      details: { operation, provider },
      cause: error,
    });
  }
  const kind = transientKind(error, provider);
  const transient = kind !== null;
  const code = databaseErrorCode(error);
  const driverMessage = errorFacts(error).messages[0];
  const reason = driverMessage ? `: ${redactText(driverMessage).slice(0, 300)}` : '';
  return new AppError(
    transient ? 'DATABASE_UNAVAILABLE' : 'DATABASE_ERROR',
    `Database ${operation} failed (${provider}${code ? ` ${code}` : ''})${reason}`,
    {
      httpStatus: transient ? 503 : 500,
      transient,
      details: { operation, provider, code, ...(kind ? { transientKind: kind } : {}) },
      cause: error,
    },
  );
}
