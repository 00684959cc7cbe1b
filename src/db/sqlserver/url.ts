import { AppError } from '../../errors.js';

/**
 * Prisma's SQL Server URL format: `sqlserver://host:1433;database=x;user=y;password=z;encrypt=true`.
 * URLs carry credentials: nothing here puts a URL into an error message.
 */
export const isSqlServerUrl = (url: string): boolean => /^sqlserver:\/\//i.test(url.trim());

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

/** Host, port, database and schema, without case (SQL Server's default collation ignores it). */
export function sqlserverIdentity(url: string): string {
  const { host, port } = sqlserverHost(url);
  const database = (sqlserverDatabase(url) ?? '').toLowerCase();
  const schema = (sqlserverParameter(url, 'schema') ?? 'dbo').toLowerCase();
  return `sqlserver://${host.toLowerCase()}:${port}/${database};schema=${schema}`;
}

/** Host and database: no credentials, no other parameter. */
export function describeSqlServer(url: string): string {
  return `sqlserver://${sqlserverHost(url).host}/${sqlserverDatabase(url) ?? '(default)'}`;
}
