import type { ErrorFacts, ProviderErrorRules, TransientKind } from '../base/error-facts.js';

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

// Unique key, unique index, foreign key / check, NOT NULL.
const CONSTRAINT_NUMBERS = new Set([2627, 2601, 547, 515]);

export const sqlserverErrorRules: ProviderErrorRules = {
  transientKind(found) {
    for (const number of found.numbers) {
      const kind = SQLSERVER_KINDS.get(number);
      if (kind) return kind;
    }
    // The mssql adapter maps 4060 to DatabaseDoesNotExist (on Azure SQL: mid-failover).
    if (found.kinds.includes('DatabaseDoesNotExist')) return 'failover';
    if (found.codes.includes('ELOGIN')) return loginKind(found);
    return null;
  },
  isConstraintViolation: (found) => found.numbers.some((number) => CONSTRAINT_NUMBERS.has(number)),
};

function loginKind(found: ErrorFacts): TransientKind | null {
  for (const message of found.allMessages) {
    for (const [pattern, kind] of SQLSERVER_LOGIN_MESSAGES) if (pattern.test(message)) return kind;
  }
  // tedious's own verdict, while it was still retrying the login itself.
  return found.markedTransient ? 'failover' : null;
}
