import { AppError } from '../errors.js';
import { redactText } from '../telemetry/index.js';
import type { DatabaseProvider } from './url.js';

/**
 * Which database errors are worth retrying. Errors arrive in several shapes: Prisma's
 * `PrismaClientKnownRequestError` (driver facts under `meta.driverAdapterError.cause`), raw
 * driver errors (`pg` SQLSTATE `code`, `mssql` `number`, better-sqlite3 `code`), and Node
 * socket errors; `facts` walks all of them.
 */

// Azure SQL / SQL Server: database unavailable / failover / throttling / deadlock victim.
const SQLSERVER_TRANSIENT = new Set([4060, 40197, 40501, 40613, 49918, 49919, 49920, 1205, 10928, 10929]);
// PostgreSQL: serialization failure, deadlock, too many connections, admin shutdown (+ class 08).
const POSTGRES_TRANSIENT = new Set(['40001', '40P01', '53300', '57P01']);
// Connection resets, whichever driver reports them.
const SOCKET_TRANSIENT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKET', 'ECONNCLOSED']);
// Prisma: server closed the connection; transaction write conflict or deadlock.
const PRISMA_TRANSIENT = new Set(['P1017', 'P2034']);
// Prisma: unique / foreign key / not-null / value-too-long violations.
const PRISMA_CONSTRAINT = new Set(['P2000', 'P2002', 'P2003', 'P2011']);
const ADAPTER_CONSTRAINT_KINDS = new Set([
  'UniqueConstraintViolation',
  'ForeignKeyConstraintViolation',
  'NullConstraintViolation',
  'LengthMismatch',
]);

interface ErrorFacts {
  codes: string[];
  numbers: number[];
  kinds: string[];
  /** Driver messages first (Prisma's own wrapper text is long and repeats them). */
  messages: string[];
}

function facts(error: unknown): ErrorFacts {
  const result: ErrorFacts = { codes: [], numbers: [], kinds: [], messages: [] };
  const fallbackMessages: string[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== 'object' || seen.has(node) || depth > 6) return;
    seen.add(node);
    const record = node as Record<string, unknown>;
    for (const key of ['code', 'originalCode']) {
      const value = record[key];
      if (typeof value === 'string') result.codes.push(value);
      if (typeof value === 'number') result.numbers.push(value);
    }
    if (typeof record.number === 'number') result.numbers.push(record.number);
    if (typeof record.kind === 'string') result.kinds.push(record.kind);
    if (typeof record.originalMessage === 'string') result.messages.push(record.originalMessage);
    const isPrismaWrapper =
      typeof record.name === 'string' && /^(PrismaClient|DriverAdapterError)/.test(record.name);
    if (typeof record.message === 'string' && !isPrismaWrapper) fallbackMessages.push(record.message);
    for (const key of ['cause', 'meta', 'driverAdapterError', 'originalError', 'error', 'precedingErrors']) {
      const child = record[key];
      if (Array.isArray(child)) for (const item of child) visit(item, depth + 1);
      else visit(child, depth + 1);
    }
  };
  visit(error, 0);
  result.messages.push(...fallbackMessages);
  return result;
}

export function isConstraintViolation(error: unknown): boolean {
  const { codes, kinds, numbers } = facts(error);
  return (
    codes.some(
      (code) => PRISMA_CONSTRAINT.has(code) || /^23\d{3}$/.test(code) || code.startsWith('SQLITE_CONSTRAINT'),
    ) ||
    kinds.some((kind) => ADAPTER_CONSTRAINT_KINDS.has(kind)) ||
    numbers.some((number) => number === 2627 || number === 2601 || number === 547 || number === 515)
  );
}

/** True when retrying the same work may succeed. Constraint violations never are. */
export function isTransientDatabaseError(error: unknown, provider: DatabaseProvider): boolean {
  if (error instanceof AppError) return error.transient;
  if (isConstraintViolation(error)) return false;
  const { codes, numbers, kinds } = facts(error);
  if (codes.some((code) => SOCKET_TRANSIENT.has(code) || PRISMA_TRANSIENT.has(code))) return true;
  if (kinds.includes('ConnectionClosed') || kinds.includes('TransactionWriteConflict')) return true;
  switch (provider) {
    case 'postgresql':
      return codes.some((code) => POSTGRES_TRANSIENT.has(code) || /^08[0-9A-Z]{3}$/.test(code));
    case 'sqlite':
      // The better-sqlite3 adapter reports SQLITE_BUSY as kind SocketTimeout.
      return codes.some((code) => code.startsWith('SQLITE_BUSY')) || kinds.includes('SocketTimeout');
    case 'sqlserver':
      // The mssql adapter maps 4060 to DatabaseDoesNotExist (on Azure SQL: mid-failover).
      return (
        numbers.some((number) => SQLSERVER_TRANSIENT.has(number)) ||
        kinds.includes('DatabaseDoesNotExist') ||
        kinds.includes('SocketTimeout')
      );
  }
}

/** The most specific driver code, for error details (`23505`, `SQLITE_BUSY`, `1205`). */
export function databaseErrorCode(error: unknown): string | null {
  const { codes, numbers } = facts(error);
  const driverCode = codes.find((code) => !/^P\d{4}$/.test(code)) ?? codes[0];
  if (driverCode) return driverCode;
  return numbers[0] === undefined ? null : String(numbers[0]);
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
  const transient = isTransientDatabaseError(error, provider);
  const code = databaseErrorCode(error);
  const driverMessage = facts(error).messages[0];
  const reason = driverMessage ? `: ${redactText(driverMessage).slice(0, 300)}` : '';
  return new AppError(
    transient ? 'DATABASE_UNAVAILABLE' : 'DATABASE_ERROR',
    `Database ${operation} failed (${provider}${code ? ` ${code}` : ''})${reason}`,
    { httpStatus: transient ? 503 : 500, transient, details: { operation, provider, code }, cause: error },
  );
}
