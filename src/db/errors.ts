import { AppError } from '../errors.js';
import { redactText } from '../telemetry/index.js';
import type { DatabaseProvider } from './url.js';

/**
 * Which database errors are worth retrying, and how long to wait. Errors arrive in several
 * shapes, and `facts` walks all of them:
 * - Prisma's `PrismaClientKnownRequestError`: driver facts under `meta.driverAdapterError.cause`
 *   (`kind`, `originalCode`, the SQL Server `code` number), or, when the adapter could not map
 *   the driver error (a failed login or connect), only the driver's `code` and message;
 * - `mssql` errors: `ConnectionError` (code ELOGIN / ESOCKET / ETIMEOUT, no number) and
 *   `RequestError` (code EREQUEST, `number`), each wrapping tedious's error as `originalError`;
 * - `pg` errors (SQLSTATE `code`), better-sqlite3 errors (`SQLITE_*` code), Node socket errors.
 */

/**
 * What kind of transient failure, which decides the backoff (src/db/retry.ts):
 * - `conflict`: deadlock victim, serialization failure; retry at once;
 * - `busy`: SQLite's write lock is held by another connection;
 * - `connection`: refused, reset or timed-out connection;
 * - `failover`: the database is moving (Azure SQL reconfiguration, PostgreSQL restart);
 * - `throttled`: a resource limit (requests, workers, sessions, connections) was reached.
 */
export type TransientKind = 'conflict' | 'busy' | 'connection' | 'failover' | 'throttled';

// Azure SQL / SQL Server error numbers (learn.microsoft.com: "Troubleshoot transient
// connection errors" and "Resource limits" pages).
const SQLSERVER_KINDS: ReadonlyMap<number, TransientKind> = new Map([
  [1205, 'conflict'], // deadlock victim
  [40501, 'throttled'], // service busy
  [10928, 'throttled'], // resource limit (workers, sessions) reached
  [10929, 'throttled'], // minimum guarantee not available, server too busy
  [10936, 'throttled'], // elastic pool request limit reached
  [49918, 'throttled'], // not enough resources
  [49919, 'throttled'], // too many create/update operations
  [49920, 'throttled'], // too many operations
  [5828, 'throttled'], // user connections limit
  [40613, 'failover'], // database not currently available
  [4060, 'failover'], // cannot open database (on Azure SQL: mid-failover)
  [40197, 'failover'], // service error processing the request (reconfiguration)
  [40540, 'failover'], // service error processing the request
  [40143, 'failover'], // service error processing the request
  [233, 'failover'], // connection closed during login
  [64, 'failover'], // network name no longer available
  [10053, 'failover'], // transport: connection aborted
  [10054, 'failover'], // transport: connection reset
  [10060, 'failover'], // transport: connection timed out
]);

/**
 * A failed login reaches us from tedious as `ConnectionError` code ELOGIN with the server's
 * message and no number (tedious marks `isTransient` only while it still retries itself), and
 * Prisma keeps only that code and message. These are the messages of the transient login errors
 * above, by number.
 */
const SQLSERVER_LOGIN_MESSAGES: readonly [RegExp, TransientKind][] = [
  [/is not currently available\.\s+Please retry/i, 'failover'], // 40613
  [/Cannot open database .* requested by the login/i, 'failover'], // 4060
  [/service has encountered an error processing your request/i, 'failover'], // 40197, 40540, 40143
  [/service is currently busy/i, 'throttled'], // 40501
  [/Resource ID ?: ?\d+\. The .*limit .*has been reached/i, 'throttled'], // 10928, 10936
  [/the server is currently too busy/i, 'throttled'], // 10929
  [/Not enough resources to process request/i, 'throttled'], // 49918
  [/Too many (create or update )?operations in progress/i, 'throttled'], // 49919, 49920
];

// PostgreSQL SQLSTATEs (class 08, connection exceptions, is `connection` too).
const POSTGRES_KINDS: ReadonlyMap<string, TransientKind> = new Map([
  ['40001', 'conflict'], // serialization failure
  ['40P01', 'conflict'], // deadlock
  ['53300', 'throttled'], // too many connections
  ['57P01', 'failover'], // admin shutdown
  ['57P02', 'failover'], // crash shutdown
  ['57P03', 'failover'], // cannot connect now (starting up)
]);

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

interface ErrorFacts {
  codes: string[];
  numbers: number[];
  kinds: string[];
  /** Driver messages first (Prisma's own wrapper text is long and repeats them). */
  messages: string[];
  /** Every message, Prisma's wrappers included (a failed login's text is only there). */
  allMessages: string[];
  /** tedious marks a login error it considers transient. */
  markedTransient: boolean;
}

function facts(error: unknown): ErrorFacts {
  const result: ErrorFacts = {
    codes: [],
    numbers: [],
    kinds: [],
    messages: [],
    allMessages: [],
    markedTransient: false,
  };
  const fallbackMessages: string[] = [];
  const wrapperMessages: string[] = [];
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
    if (record.isTransient === true) result.markedTransient = true;
    if (typeof record.originalMessage === 'string') {
      result.messages.push(record.originalMessage);
      result.allMessages.push(record.originalMessage);
    }
    const isPrismaWrapper =
      typeof record.name === 'string' && /^(PrismaClient|DriverAdapterError)/.test(record.name);
    if (typeof record.message === 'string') {
      result.allMessages.push(record.message);
      if (!isPrismaWrapper) fallbackMessages.push(record.message);
      // Errors the adapter could not map (a failed login): the driver's text is the last line.
      else if (!record.meta || typeof record.meta !== 'object' || !('driverAdapterError' in record.meta)) {
        const lastLine = record.message.trim().split('\n').pop()?.trim();
        if (lastLine && !/invocation:?$/.test(lastLine)) wrapperMessages.push(lastLine);
      }
    }
    for (const key of [
      'cause',
      'meta',
      'driverAdapterError',
      'originalError',
      'error',
      'errors',
      'precedingErrors',
    ]) {
      const child = record[key];
      if (Array.isArray(child)) for (const item of child) visit(item, depth + 1);
      else visit(child, depth + 1);
    }
  };
  visit(error, 0);
  result.messages.push(...fallbackMessages, ...wrapperMessages);
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

/**
 * The kind of transient failure, or null when retrying the same work cannot help (constraint
 * violations, syntax errors, permissions, a statement that ran out its own timeout).
 */
export function transientKind(error: unknown, provider: DatabaseProvider): TransientKind | null {
  if (error instanceof AppError) return error.transient ? 'connection' : null;
  if (isConstraintViolation(error)) return null;
  const found = facts(error);
  const byProvider = providerKind(found, provider);
  if (byProvider) return byProvider;
  for (const kind of found.kinds) {
    const mapped = ADAPTER_KINDS.get(kind);
    // The better-sqlite3 adapter reports SQLITE_BUSY as kind SocketTimeout.
    if (mapped) return provider === 'sqlite' && kind === 'SocketTimeout' ? 'busy' : mapped;
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

function providerKind(found: ErrorFacts, provider: DatabaseProvider): TransientKind | null {
  switch (provider) {
    case 'postgresql': {
      for (const code of found.codes) {
        const kind = POSTGRES_KINDS.get(code) ?? (/^08[0-9A-Z]{3}$/.test(code) ? 'connection' : undefined);
        if (kind) return kind;
      }
      // pg's own text when the server goes away mid-query (no code).
      return found.allMessages.some((message) => /Connection terminated unexpectedly/i.test(message))
        ? 'connection'
        : null;
    }
    case 'sqlite':
      return found.codes.some((code) => code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
        ? 'busy'
        : null;
    case 'sqlserver': {
      for (const number of found.numbers) {
        const kind = SQLSERVER_KINDS.get(number);
        if (kind) return kind;
      }
      // The mssql adapter maps 4060 to DatabaseDoesNotExist (on Azure SQL: mid-failover).
      if (found.kinds.includes('DatabaseDoesNotExist')) return 'failover';
      if (found.codes.includes('ELOGIN')) return loginKind(found);
      return null;
    }
  }
}

function loginKind(found: ErrorFacts): TransientKind | null {
  for (const message of found.allMessages) {
    for (const [pattern, kind] of SQLSERVER_LOGIN_MESSAGES) if (pattern.test(message)) return kind;
  }
  // tedious's own verdict, while it was still retrying the login itself.
  return found.markedTransient ? 'failover' : null;
}

/**
 * tedious's ETIMEOUT means either "could not connect in time" (transient) or "the statement
 * ran longer than the request timeout": retrying that would only run it out again.
 */
function isRequestTimeout(found: ErrorFacts): boolean {
  return found.allMessages.some((message) => /Timeout: Request failed to complete/i.test(message));
}

/** The most specific driver code, for error details (`23505`, `SQLITE_BUSY`, `1205`). */
export function databaseErrorCode(error: unknown): string | null {
  const { codes, numbers } = facts(error);
  const driverCode = codes.find((code) => !/^P\d{4}$/.test(code)) ?? codes[0];
  // A SQL Server error number says more than mssql's generic EREQUEST.
  if (driverCode === 'EREQUEST' && numbers[0] !== undefined) return String(numbers[0]);
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
  const kind = transientKind(error, provider);
  const transient = kind !== null;
  const code = databaseErrorCode(error);
  const driverMessage = facts(error).messages[0];
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
