import type { Logger } from '../telemetry/index.js';
import type { ClientOptions, SchoolPrismaClient, SessionPrismaClient } from './base/client-options.js';
import type { ProvisionResult, SchoolConnection } from './base/dialect.js';
import { dialectFor } from './dialects.js';

/**
 * Prisma Clients, school connections and school databases for a URL, each made by the URL's
 * dialect (its generated client and driver adapter; ./dialects.ts).
 */
export type { ClientOptions, ProvisionResult, SchoolConnection, SchoolPrismaClient, SessionPrismaClient };

export async function createSessionPrismaClient(
  url: string,
  options: ClientOptions = {},
): Promise<SessionPrismaClient> {
  return dialectFor(url).createPrismaClient('session', url, options);
}

export async function createSchoolPrismaClient(
  url: string,
  options: ClientOptions = {},
): Promise<SchoolPrismaClient> {
  return dialectFor(url).createPrismaClient('school', url, options);
}

/**
 * A school database's Prisma client and the executor its roster SQL runs on, sharing one pool
 * (PostgreSQL: the `pg` pool; SQL Server: the `mssql` pool; SQLite: Prisma's one connection).
 */
export async function openSchoolConnection(
  url: string,
  options: ClientOptions = {},
): Promise<SchoolConnection> {
  return dialectFor(url).openSchoolConnection(url, options);
}

/**
 * Creates a school's database where clever-sync may: a SQLite file (created by the migration that
 * follows), a PostgreSQL database (CREATE DATABASE, name validated). SQL Server / Azure SQL
 * databases are created by the infrastructure; there this only names the database.
 */
export async function provisionDatabase(url: string, logger: Logger): Promise<ProvisionResult> {
  return dialectFor(url).provision(url, logger);
}
