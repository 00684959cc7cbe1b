import type { ProviderErrorRules, TransientKind } from '../base/error-facts.js';

// PostgreSQL SQLSTATEs (class 08, connection exceptions, is `connection` too).
const POSTGRES_KINDS: ReadonlyMap<string, TransientKind> = new Map([
  ['40001', 'conflict'], // serialization failure
  ['40P01', 'conflict'], // deadlock
  ['53300', 'throttled'], // too many connections
  ['57P01', 'failover'], // admin shutdown
  ['57P02', 'failover'], // crash shutdown
  ['57P03', 'failover'], // cannot connect now (starting up)
]);

export const postgresErrorRules: ProviderErrorRules = {
  transientKind(found) {
    for (const code of found.codes) {
      const kind = POSTGRES_KINDS.get(code) ?? (/^08[0-9A-Z]{3}$/.test(code) ? 'connection' : undefined);
      if (kind) return kind;
    }
    // pg's own text when the server goes away mid-query (no code).
    return found.allMessages.some((message) => /Connection terminated unexpectedly/i.test(message))
      ? 'connection'
      : null;
  },
  // SQLSTATE class 23: integrity constraint violation.
  isConstraintViolation: (found) => found.codes.some((code) => /^23\d{3}$/.test(code)),
};
