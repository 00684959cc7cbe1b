/**
 * The data layer: SessionDb and per-school databases on SQL Server, PostgreSQL and SQLite, each
 * provider a dialect chosen once per URL (docs/database.md). Repositories return the plain
 * records of ./types.ts.
 */

export type { DatabaseKind, Dialect } from './base/dialect.js';
export { prismaRosterDatabase } from './base/prisma-roster.js';
export type { ClientOptions, SchoolConnection, SchoolPrismaClient, SessionPrismaClient } from './client.js';
export {
  createSchoolPrismaClient,
  createSessionPrismaClient,
  openSchoolConnection,
  provisionDatabase,
} from './client.js';
export { dialectFor } from './dialects.js';
export { isConstraintViolation, isTransientDatabaseError, toDatabaseError } from './errors.js';
export {
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
  applyMigrations,
  type MigrationState,
  readMigrationState,
} from './migrate/apply.js';
export { migrationChecksum, migrationsDirectory } from './migrate/files.js';
export { createDatabaseRunner, type DatabaseRunner } from './retry.js';
export {
  createSchoolDatabaseProvider,
  type SchoolDatabaseConnectionFactory,
  type SchoolDatabaseProviderOptions,
  type SecretReader,
} from './school/provider.js';
export { createSchoolRosterRepository } from './school/repository.js';
export { createSessionRepository, type SessionRepositoryOptions } from './session/repository.js';
export type * from './types.js';
export { type DatabaseProvider, describeDatabase, detectProvider } from './url.js';
