import type { SchoolPrismaClient } from './client-options.js';
import type { RosterDatabase, RosterExecutor } from './roster-sql.js';

/**
 * Raw SQL through Prisma Client and its driver adapter ($queryRawUnsafe / $executeRawUnsafe in
 * an interactive transaction): the adapter's pooling, type conversion and error mapping stay
 * in one place, and one multi-row statement per chunk makes Prisma's per-call overhead small
 * (bench/db-upsert.ts measures it against the raw driver).
 */
export function prismaRosterDatabase(client: SchoolPrismaClient): RosterDatabase {
  type RawClient = Pick<SchoolPrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;
  const executor = (raw: RawClient): RosterExecutor => ({
    query: (statement) => raw.$queryRawUnsafe<Record<string, unknown>[]>(statement.sql, ...statement.params),
    async execute(statement) {
      if (!statement.batch) return raw.$executeRawUnsafe(statement.sql, ...statement.params);
      let changes = 0;
      for (const params of statement.batch) changes += await raw.$executeRawUnsafe(statement.sql, ...params);
      return changes;
    },
  });
  return {
    ...executor(client),
    transaction: (work) =>
      client.$transaction((tx) => work(executor(tx)), { maxWait: 10_000, timeout: 120_000 }),
  };
}
