import { registerSecret } from '../telemetry/index.js';
import type { DatabaseProvider } from './base/dialect.js';
import { dialectFor, findDialect } from './dialects.js';

/**
 * Connection URLs pick the provider (./dialects.ts): `file:` (SQLite), `postgres(ql)://`,
 * `sqlserver://` (Prisma's format: `sqlserver://host:1433;database=x;user=y;password=z`).
 * URLs carry credentials: nothing here puts a URL into an error message; `describeDatabase`
 * gives the loggable form.
 */
export type { DatabaseProvider };

export function detectProvider(url: string): DatabaseProvider {
  return dialectFor(url).provider;
}

/**
 * Which database a URL opens, as a comparable string: two URLs with the same identity write the
 * same tables (a SQLite file; a PostgreSQL server, database and schema; a SQL Server host,
 * database and schema). Not for logs: use describeDatabase.
 */
export function databaseIdentity(url: string): string {
  return dialectFor(url).identity(url);
}

/** Safe to log: provider, host and database name; never user names, passwords or parameters. */
export function describeDatabase(url: string): string {
  try {
    return dialectFor(url).describe(url);
  } catch {
    return '(unparseable database URL)';
  }
}

/**
 * Server URLs may carry credentials: the log redactor masks them wherever they appear, also a
 * URL no dialect accepts (it may still hold a password). A SQLite file path is not a secret.
 */
export function registerConnectionSecret(url: string): void {
  if (findDialect(url)?.urlMayHoldCredentials === false) return;
  registerSecret(url.trim());
}
