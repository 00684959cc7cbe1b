import type { ProviderErrorRules } from '../base/error-facts.js';

export const sqliteErrorRules: ProviderErrorRules = {
  // Another connection holds the file's write lock.
  transientKind: (found) =>
    found.codes.some((code) => code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
      ? 'busy'
      : null,
  // The better-sqlite3 adapter reports SQLITE_BUSY as kind SocketTimeout.
  adapterKinds: new Map([['SocketTimeout', 'busy']]),
  isConstraintViolation: (found) => found.codes.some((code) => code.startsWith('SQLITE_CONSTRAINT')),
};
