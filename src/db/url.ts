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

/**
 * The `key=value` parameters of a `sqlserver://host:port;key=value;...` URL, keys lowercased.
 * A value in braces may contain `;` (`password={a;b}`), as Prisma's URL format allows.
 */
function sqlserverParameters(url: string): Map<string, string> {
  const parts = splitSqlServerUrl(url.trim().replace(/^sqlserver:\/\//i, ''));
  const parameters = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const key = part.slice(0, index).trim().toLowerCase();
    if (parameters.has(key)) {
      throw new AppError('CONFIG_INVALID', `SQL Server URL sets "${key}" twice`, { details: { key } });
    }
    const raw = part.slice(index + 1).trim();
    parameters.set(key, raw.length >= 2 && raw.startsWith('{') && raw.endsWith('}') ? raw.slice(1, -1) : raw);
  }
  return parameters;
}

/** Splits on `;` outside a braced value (`{...}` starting right after `=`). */
function splitSqlServerUrl(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let braced = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === '{' && !braced && current.endsWith('=')) braced = true;
    else if (char === '}' && braced) braced = false;
    else if (char === ';' && !braced) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (braced) throw new AppError('CONFIG_INVALID', 'SQL Server URL has an unclosed "{" in a value');
  parts.push(current);
  return parts.filter((part) => part.trim() !== '');
}

/** Host and port of a `sqlserver://` URL (port 1433 when absent). */
export function sqlserverHost(url: string): { host: string; port: number } {
  const [hostPart = ''] = splitSqlServerUrl(url.trim().replace(/^sqlserver:\/\//i, ''));
  const [host = '', port] = hostPart.trim().split(':');
  if (!host) throw new AppError('CONFIG_INVALID', 'SQL Server URL has no host');
  const portNumber = port === undefined ? 1433 : Number(port);
  if (!Number.isInteger(portNumber) || portNumber <= 0 || portNumber > 65_535) {
    throw new AppError('CONFIG_INVALID', 'SQL Server URL has an invalid port');
  }
  return { host, port: portNumber };
}

export function sqlserverParameter(url: string, name: string): string | null {
  return sqlserverParameters(url).get(name.toLowerCase()) ?? null;
}

export function sqlserverDatabase(url: string): string | null {
  return sqlserverParameter(url, 'database') ?? sqlserverParameter(url, 'initial catalog');
}

/**
 * The schema clever-sync uses on SQL Server: always `dbo`. The SQL Server migrations create
 * their tables in `[dbo]` (as Prisma generated them), so a URL asking for another schema is
 * refused here rather than half-honoured (tables in dbo, `_prisma_migrations` elsewhere).
 */
export function sqlserverSchema(url: string): 'dbo' {
  const schema = sqlserverParameter(url, 'schema');
  if (schema === null || schema.toLowerCase() === 'dbo') return 'dbo';
  const shown = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(schema) ? `"${schema}"` : 'a non-default schema';
  throw new AppError(
    'CONFIG_INVALID',
    `SQL Server URL asks for schema ${shown}: clever-sync supports only the default schema dbo on SQL Server ` +
      '(its migrations create their tables in [dbo]); remove ";schema=" and give clever-sync a database of its own',
    { details: { parameter: 'schema' } },
  );
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
    return `sqlserver://${sqlserverHost(url).host}/${sqlserverDatabase(url) ?? '(default)'}`;
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
