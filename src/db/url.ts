import { isAbsolute, resolve } from 'node:path';
import { AppError } from '../errors.js';
import { registerSecret } from '../telemetry/index.js';

/**
 * Connection URLs pick the provider: `file:` (SQLite), `postgres(ql)://`, `sqlserver://`
 * (Prisma's SQL Server format: `sqlserver://host:1433;database=x;user=y;password=z;encrypt=true`).
 * URLs carry credentials: nothing here puts a URL into an error message; `describeDatabase`
 * gives the loggable form.
 */
export type DatabaseProvider = 'sqlserver' | 'postgresql' | 'sqlite';

export function detectProvider(url: string): DatabaseProvider {
  const trimmed = url.trim();
  if (/^file:/i.test(trimmed)) return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return 'postgresql';
  if (/^sqlserver:\/\//i.test(trimmed)) return 'sqlserver';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  throw new AppError(
    'CONFIG_INVALID',
    `Unsupported database URL${scheme ? ` scheme "${scheme}:"` : ''}: expected file: (SQLite), postgresql:// or sqlserver://`,
    { details: { scheme: scheme ?? null } },
  );
}

/** Absolute path of a SQLite `file:` URL; relative paths resolve against `cwd`. */
export function sqliteFilePath(url: string, cwd = process.cwd()): string {
  const path = url
    .trim()
    .replace(/^file:/i, '')
    .replace(/\?.*$/, '');
  if (path === '' || path === ':memory:') {
    throw new AppError('CONFIG_INVALID', 'SQLite URL needs a file path (file:./data/session.db)');
  }
  return isAbsolute(path) ? path : resolve(cwd, path);
}

export interface PostgresTarget {
  /** The URL without Prisma's `schema` parameter, which `pg` does not understand. */
  connectionString: string;
  database: string;
  /** Prisma's `?schema=` parameter: becomes the search_path of every connection. */
  schema: string | undefined;
}

export function postgresTarget(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new AppError('CONFIG_INVALID', 'PostgreSQL URL is not a valid URL');
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return { connectionString: parsed.toString(), database: database || 'postgres', schema };
}

/** The same server and credentials, another database (for CREATE DATABASE from `postgres`). */
export function withPostgresDatabase(url: string, database: string): string {
  const parsed = new URL(url.trim());
  parsed.pathname = `/${encodeURIComponent(database)}`;
  parsed.searchParams.delete('schema');
  return parsed.toString();
}

function sqlserverParameters(url: string): Map<string, string> {
  const parts = url
    .trim()
    .replace(/^sqlserver:\/\//i, '')
    .split(';');
  const parameters = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const index = part.indexOf('=');
    if (index > 0) parameters.set(part.slice(0, index).trim().toLowerCase(), part.slice(index + 1).trim());
  }
  return parameters;
}

export function sqlserverParameter(url: string, name: string): string | null {
  return sqlserverParameters(url).get(name.toLowerCase()) ?? null;
}

export function sqlserverDatabase(url: string): string | null {
  return sqlserverParameter(url, 'database') ?? sqlserverParameter(url, 'initial catalog');
}

/**
 * Sets `connectionLimit` (the Prisma adapter's pool size): added when absent; replaced only
 * with `replace` (the migration applier needs exactly one connection).
 */
export function withSqlServerPoolLimit(
  url: string,
  limit: number,
  options: { replace?: boolean } = {},
): string {
  const trimmed = url.trim().replace(/;+$/, '');
  if (sqlserverParameters(url).has('connectionlimit')) {
    if (!options.replace) return trimmed;
    const kept = trimmed.split(';').filter((part) => !/^\s*connectionlimit\s*=/i.test(part));
    return `${kept.join(';')};connectionLimit=${limit}`;
  }
  return `${trimmed};connectionLimit=${limit}`;
}

/**
 * Which database a URL opens, as a comparable string: two URLs with the same identity write the
 * same tables (a SQLite file; a PostgreSQL server, database and schema; a SQL Server host,
 * database and schema). Parameters that do not choose the database (credentials, pool sizes,
 * timeouts) are left out. Not for logs: use describeDatabase.
 */
export function databaseIdentity(url: string): string {
  const provider = detectProvider(url);
  if (provider === 'sqlite') return `sqlite:${sqliteFilePath(url)}`;
  if (provider === 'postgresql') {
    const parsed = new URL(url.trim());
    const { database, schema } = postgresTarget(url);
    const port = parsed.port || '5432';
    return `postgresql://${parsed.hostname.toLowerCase()}:${port}/${database}?schema=${schema ?? 'public'}`;
  }
  const [host = '', port = '1433'] = (
    url
      .trim()
      .replace(/^sqlserver:\/\//i, '')
      .split(';')[0] ?? ''
  ).split(':');
  // SQL Server's default collation compares names without case.
  const database = (sqlserverDatabase(url) ?? '').toLowerCase();
  const schema = (sqlserverParameter(url, 'schema') ?? 'dbo').toLowerCase();
  return `sqlserver://${host.toLowerCase()}:${port}/${database};schema=${schema}`;
}

/** Safe to log: provider, host and database name; never user names, passwords or parameters. */
export function describeDatabase(url: string): string {
  try {
    const provider = detectProvider(url);
    if (provider === 'sqlite') return `sqlite:${sqliteFilePath(url)}`;
    if (provider === 'postgresql') {
      const parsed = new URL(url.trim());
      return `postgresql://${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}/${postgresTarget(url).database}`;
    }
    const host =
      url
        .trim()
        .replace(/^sqlserver:\/\//i, '')
        .split(';')[0]
        ?.split(':')[0] ?? '?';
    return `sqlserver://${host}/${sqlserverDatabase(url) ?? '(default)'}`;
  } catch {
    return '(unparseable database URL)';
  }
}

/**
 * PostgreSQL database names we create: lowercase letters, digits, underscores, starting with a
 * letter or underscore, at most 63 bytes. Anything else is refused rather than quoted.
 */
export function assertSafeDatabaseName(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `"${name}" is not an allowed database name (lowercase letters, digits and _, at most 63 characters)`,
      { httpStatus: 400, details: { databaseName: name } },
    );
  }
}

/**
 * Server URLs may carry credentials: the log redactor masks them wherever they appear. A SQLite
 * file path is not a secret (masking it would only hide useful paths).
 */
export function registerConnectionSecret(url: string): void {
  if (!/^file:/i.test(url.trim())) registerSecret(url.trim());
}
