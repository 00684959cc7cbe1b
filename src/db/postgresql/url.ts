import type pg from 'pg';
import { AppError } from '../../errors.js';

/** `postgresql://` or `postgres://`, as Prisma and libpq accept. */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url.trim());

export interface PostgresTarget {
  /** The URL without Prisma's `schema` parameter, which `pg` does not understand. */
  connectionString: string;
  database: string;
  /** Prisma's `?schema=` parameter: becomes the search_path of every connection. */
  schema: string | undefined;
}

function parse(url: string): URL {
  try {
    return new URL(url.trim());
  } catch {
    throw new AppError('CONFIG_INVALID', 'PostgreSQL URL is not a valid URL');
  }
}

export function postgresTarget(url: string): PostgresTarget {
  const parsed = parse(url);
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

/** Server, database and schema: URLs that agree on these write the same tables. */
export function postgresIdentity(url: string): string {
  const parsed = parse(url);
  const { database, schema } = postgresTarget(url);
  return `postgresql://${parsed.hostname.toLowerCase()}:${parsed.port || '5432'}/${database}?schema=${schema ?? 'public'}`;
}

/** Host, port as written, and database: no user, password or parameter. */
export function describePostgres(url: string): string {
  const parsed = parse(url);
  return `postgresql://${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}/${postgresTarget(url).database}`;
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

export function assertSafeSchemaName(schema: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new AppError('CONFIG_INVALID', `PostgreSQL schema "${schema}" must be a plain identifier`, {
      details: { schema },
    });
  }
}

/** Connection settings shared by the applier, the pool and provisioning: `?schema=` becomes search_path. */
export function postgresClientConfig(url: string): pg.ClientConfig & { schema: string | undefined } {
  const target = postgresTarget(url);
  if (target.schema) assertSafeSchemaName(target.schema);
  return {
    connectionString: target.connectionString,
    schema: target.schema,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  };
}
