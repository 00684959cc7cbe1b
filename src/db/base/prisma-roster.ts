import type { SchoolPrismaClient } from './client-options.js';
import type { RosterDatabase, RosterExecutor } from './roster-sql.js';

/**
 * Raw SQL through Prisma Client and its driver adapter ($queryRawUnsafe / $executeRawUnsafe in
 * an interactive transaction): the adapter's pooling, type conversion and error mapping stay
 * in one place, and one multi-row statement per chunk makes Prisma's per-call overhead small
 * (bench/db-upsert.ts measures it against the raw driver). SQLite's roster executor.
 */
export function prismaRosterDatabase(client: SchoolPrismaClient): RosterDatabase {
  type RawClient = Pick<SchoolPrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;
  const executor = (raw: RawClient): RosterExecutor => ({
    query: (statement) => raw.$queryRawUnsafe<Record<string, unknown>[]>(statement.sql, ...statement.params),
    execute: (statement) => raw.$executeRawUnsafe(statement.sql, ...statement.params),
  });
  return {
    ...executor(client),
    transaction: (work) =>
      client.$transaction((tx) => work(executor(tx)), { maxWait: 10_000, timeout: 120_000 }),
  };
}
