/**
 * What an error says about itself, whichever shape it arrives in, and the kinds of transient
 * failure. Errors arrive in several shapes, and `errorFacts` walks all of them:
 * - Prisma's `PrismaClientKnownRequestError`: driver facts under `meta.driverAdapterError.cause`
 *   (`kind`, `originalCode`, the SQL Server `code` number), or, when the adapter could not map
 *   the driver error (a failed login or connect), only the driver's `code` and message;
 * - `mssql` errors: `ConnectionError` (code ELOGIN / ESOCKET / ETIMEOUT, no number) and
 *   `RequestError` (code EREQUEST, `number`), each wrapping tedious's error as `originalError`;
 * - `pg` errors (SQLSTATE `code`), better-sqlite3 errors (`SQLITE_*` code), Node socket errors.
 * Each dialect reads its own codes from these facts (its `errors` rules); ../errors.ts combines
 * them with what every provider shares.
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

/** A dialect's part of error classification: its driver's codes, numbers and messages. */
export interface ProviderErrorRules {
  /** The provider's own transient errors; checked before the kinds every provider shares. */
  transientKind(found: ErrorFacts): TransientKind | null;
  /** Prisma adapter error kinds this provider's adapter reports with a meaning of its own. */
  adapterKinds?: ReadonlyMap<string, TransientKind>;
  /** The provider's unique / foreign key / not-null violations. */
  isConstraintViolation(found: ErrorFacts): boolean;
}

export interface ErrorFacts {
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

export function errorFacts(error: unknown): ErrorFacts {
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

/** The most specific driver code, for error details (`23505`, `SQLITE_BUSY`, `1205`). */
export function databaseErrorCode(error: unknown): string | null {
  const { codes, numbers } = errorFacts(error);
  const driverCode = codes.find((code) => !/^P\d{4}$/.test(code)) ?? codes[0];
  // A SQL Server error number says more than mssql's generic EREQUEST.
  if (driverCode === 'EREQUEST' && numbers[0] !== undefined) return String(numbers[0]);
  if (driverCode) return driverCode;
  return numbers[0] === undefined ? null : String(numbers[0]);
}
