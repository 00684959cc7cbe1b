import type { TokenCredential } from '@azure/identity';
import sql from 'mssql';
import { AppError } from '../../errors.js';
import {
  type ClientOptions,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_POOL_MAX,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from '../base/client-options.js';
import { sqlserverDatabase, sqlserverHost, sqlserverParameter, sqlserverSchema } from './url.js';

/**
 * The `mssql` configuration of a `sqlserver://` URL, built here instead of by
 * @prisma/adapter-mssql's URL parser because that parser leaves mssql's defaults in place: a
 * 15 s request timeout (it only reads `socketTimeout`, as milliseconds), which cancels a chunk
 * MERGE or a migration lock wait on a small pooled database; a 30 s idle timeout whatever
 * DATABASE_IDLE_CLOSE_SECONDS says; and, for Entra authentication, a new DefaultAzureCredential
 * per connection. The URL keeps Prisma's format and key names, so the same URL works with the
 * Prisma CLI; its timeout keys are read in seconds, as Prisma documents them.
 */
export interface SqlServerDriverOptions {
  /** Connections in the pool (DATABASE_POOL_MAX); a URL `connectionLimit` wins. */
  poolMax: number;
  /** Pooled connections idle this long are closed (DATABASE_IDLE_CLOSE_SECONDS). */
  idleTimeoutMs: number;
  /** How long one statement may run (DATABASE_REQUEST_TIMEOUT_SECONDS); a URL `socketTimeout` wins. */
  requestTimeoutMs: number;
  /** How long a login may take; a URL `connectTimeout` / `loginTimeout` wins. */
  connectTimeoutMs?: number;
  /**
   * The app's one Azure identity, used for Entra authentication (`authentication=
   * DefaultAzureCredential`, `ActiveDirectoryDefault`, `ActiveDirectoryManagedIdentity`, ...):
   * tokens come from its cache instead of a new credential per connection.
   */
  credential?: TokenCredential;
}

/** Azure SQL's guidance: allow at least 30 s to log in (a serverless database resumes meanwhile). */
export const SQLSERVER_CONNECT_TIMEOUT_MS = 30_000;

/** `authentication=` values that mean "this process's Azure identity". */
const AZURE_IDENTITY_AUTHENTICATION = new Set([
  'defaultazurecredential',
  'activedirectorydefault',
  'activedirectorymanagedidentity',
  'activedirectorymsi',
  'activedirectoryintegrated',
  'activedirectoryinteractive',
]);

export function sqlserverDriverConfig(url: string, options: SqlServerDriverOptions): sql.config {
  const parameter = (...names: string[]) =>
    names.map((name) => sqlserverParameter(url, name)).find((value) => value !== null) ?? null;
  sqlserverSchema(url);
  const { host, port } = sqlserverHost(url);
  const database = sqlserverDatabase(url);
  const user = parameter('user', 'username', 'uid', 'userid');
  const password = parameter('password', 'pwd');
  const connectionLimit = parameter('connectionlimit');
  const poolTimeout = parameter('pooltimeout');
  const isolationLevel = parameter('isolationlevel');

  return {
    server: host,
    port,
    ...(database ? { database } : {}),
    ...(user !== null ? { user } : {}),
    ...(password !== null ? { password } : {}),
    connectionTimeout:
      seconds(parameter('connecttimeout', 'connectiontimeout', 'logintimeout'), 'connectTimeout') ??
      options.connectTimeoutMs ??
      SQLSERVER_CONNECT_TIMEOUT_MS,
    requestTimeout: seconds(parameter('sockettimeout'), 'socketTimeout') ?? options.requestTimeoutMs,
    // Check a pooled connection's socket when lending it, not with a SELECT 1 round trip each time.
    validateConnection: 'socket',
    pool: {
      min: 0,
      max: connectionLimit === null ? options.poolMax : positiveInteger(connectionLimit, 'connectionLimit'),
      idleTimeoutMillis: options.idleTimeoutMs,
      ...(poolTimeout === null ? {} : { acquireTimeoutMillis: seconds(poolTimeout, 'poolTimeout') }),
    },
    options: {
      // Azure SQL requires encryption; only an explicit `encrypt=false` turns it off.
      encrypt: flag(parameter('encrypt')) ?? true,
      trustServerCertificate: flag(parameter('trustservercertificate')) ?? false,
      ...(flag(parameter('multisubnetfailover')) === true ? { multiSubnetFailover: true } : {}),
      appName: parameter('applicationname', 'application name') ?? 'clever-sync',
      // Dates travel as UTC, as Prisma's adapter writes them.
      useUTC: true,
      ...(isolationLevel === null ? {} : { isolationLevel: isolationLevelNumber(isolationLevel) }),
    },
    ...authentication(parameter, options.credential),
  };
}

/** The driver config for a URL under the app's client options, their defaults filled in. */
export function sqlserverClientConfig(url: string, options: ClientOptions): sql.config {
  return sqlserverDriverConfig(url, {
    poolMax: options.poolMax ?? DEFAULT_POOL_MAX,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ...(options.credential ? { credential: options.credential } : {}),
  });
}

function authentication(
  parameter: (...names: string[]) => string | null,
  credential: TokenCredential | undefined,
): { authentication?: sql.Authentication } {
  const kind = parameter('authentication');
  if (kind === null) return {};
  const normalized = kind.toLowerCase();
  if (AZURE_IDENTITY_AUTHENTICATION.has(normalized)) {
    if (credential) return { authentication: { type: 'token-credential', options: { credential } } };
    // No app credential given (a script, a test): tedious's own DefaultAzureCredential per login.
    const clientId = parameter('clientid');
    return {
      authentication: { type: 'azure-active-directory-default', options: clientId ? { clientId } : {} },
    };
  }
  if (normalized === 'activedirectorypassword') {
    const userName = parameter('username', 'user');
    const password = parameter('password', 'pwd');
    const clientId = parameter('clientid');
    if (!userName || !password || !clientId) {
      throw invalid('authentication=ActiveDirectoryPassword needs userName, password and clientId');
    }
    return {
      authentication: {
        type: 'azure-active-directory-password',
        options: { userName, password, clientId, tenantId: parameter('tenantid') ?? '' },
      },
    };
  }
  if (normalized === 'activedirectoryserviceprincipal') {
    const clientId = parameter('username', 'user');
    const clientSecret = parameter('password', 'pwd');
    if (!clientId || !clientSecret) {
      throw invalid(
        'authentication=ActiveDirectoryServicePrincipal needs userName (client id) and password (secret)',
      );
    }
    return {
      authentication: {
        type: 'azure-active-directory-service-principal-secret',
        options: { clientId, clientSecret, tenantId: parameter('tenantid') ?? '' },
      },
    };
  }
  if (normalized === 'sqlpassword') return {};
  throw invalid(
    `authentication=${/^[A-Za-z]{1,40}$/.test(kind) ? kind : '(unrecognized value)'} is not supported ` +
      '(DefaultAzureCredential, ActiveDirectoryManagedIdentity, ActiveDirectoryDefault, ' +
      'ActiveDirectoryPassword, ActiveDirectoryServicePrincipal or SqlPassword)',
  );
}

function invalid(message: string): AppError {
  return new AppError('CONFIG_INVALID', `SQL Server URL: ${message}`);
}

function flag(value: string | null): boolean | null {
  if (value === null) return null;
  const normalized = value.toLowerCase();
  if (normalized === 'true' || normalized === 'yes') return true;
  if (normalized === 'false' || normalized === 'no') return false;
  throw invalid('boolean keys (encrypt, trustServerCertificate, ...) take true or false');
}

function positiveInteger(value: string, key: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw invalid(`${key} must be a positive whole number`);
  return number;
}

/** Prisma documents its SQL Server timeout keys in seconds; the driver wants milliseconds. */
function seconds(value: string | null, key: string): number | undefined {
  if (value === null) return undefined;
  return positiveInteger(value, `${key} (seconds)`) * 1_000;
}

function isolationLevelNumber(value: string): number {
  const key = value
    .toUpperCase()
    .replace(/\s+/g, '')
    .replace(/^READ/, 'READ_')
    .replace(/^REPEATABLE/, 'REPEATABLE_');
  const level = (sql.ISOLATION_LEVEL as Record<string, number | undefined>)[key];
  if (level === undefined) throw invalid('isolationLevel is not a SQL Server isolation level');
  return level;
}
