import { AppError } from '../errors.js';
import type { DatabaseProvider, Dialect } from './base/dialect.js';
import { postgresqlDialect } from './postgresql/index.js';
import { sqliteDialect } from './sqlite/index.js';
import { sqlserverDialect } from './sqlserver/index.js';

/**
 * The one place a provider is chosen. A connection URL's scheme picks its dialect; everything
 * else in src/db asks that dialect. Adding a provider: a folder beside ./sqlite implementing
 * `Dialect`, an entry here, and its Prisma schema, client and migrations (docs/database.md).
 */
const DIALECTS: Readonly<Record<DatabaseProvider, Dialect>> = {
  sqlite: sqliteDialect,
  postgresql: postgresqlDialect,
  sqlserver: sqlserverDialect,
};

/** The dialect of a URL, or undefined when no provider accepts its scheme. */
export function findDialect(url: string): Dialect | undefined {
  return Object.values(DIALECTS).find((dialect) => dialect.accepts(url));
}

/** The dialect of a URL; CONFIG_INVALID naming only the scheme (URLs carry credentials). */
export function dialectFor(url: string): Dialect {
  const dialect = findDialect(url);
  if (dialect) return dialect;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1];
  const schemes = Object.values(DIALECTS).map((known) => known.scheme);
  throw new AppError(
    'CONFIG_INVALID',
    `Unsupported database URL${scheme ? ` scheme "${scheme}:"` : ''}: expected ${schemes.slice(0, -1).join(', ')} or ${schemes.at(-1)}`,
    { details: { scheme: scheme ?? null } },
  );
}

/** The dialect of a provider named in code or options (`createDatabaseRunner({ provider })`). */
export function dialectNamed(provider: DatabaseProvider): Dialect {
  return DIALECTS[provider];
}

export function allDialects(): Dialect[] {
  return Object.values(DIALECTS);
}
