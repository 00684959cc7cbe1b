/**
 * The data layer: SessionDb and per-school databases on SQL Server, PostgreSQL and SQLite
 * (docs/database.md). Repositories return the plain records of ./types.ts.
 */
export type { ClientOptions, SchoolPrismaClient, SessionPrismaClient } from './client.js';
export { createSchoolPrismaClient, createSessionPrismaClient } from './client.js';
export { isConstraintViolation, isTransientDatabaseError, toDatabaseError } from './errors.js';
export {
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
  applyMigrations,
  type MigrationState,
  readMigrationState,
} from './migrate/apply.js';
export { type DatabaseKind, migrationChecksum, migrationsDirectory } from './migrate/files.js';
export { createDatabaseRunner, type DatabaseRunner } from './retry.js';
export { openSchoolConnection, type SchoolConnection } from './school/connection.js';
export {
  createSchoolDatabaseProvider,
  type SchoolDatabaseConnectionFactory,
  type SchoolDatabaseProviderOptions,
  type SecretReader,
} from './school/provider.js';
export { provisionDatabase } from './school/provision.js';
export { createSchoolRosterRepository, prismaRosterDatabase } from './school/repository.js';
export { createSessionRepository, type SessionRepositoryOptions } from './session/repository.js';
export type * from './types.js';
export { type DatabaseProvider, describeDatabase, detectProvider } from './url.js';
