import {
  type ClientOptions,
  createPostgresPool,
  createSchoolPrismaClient,
  type SchoolPrismaClient,
} from '../client.js';
import { type DatabaseProvider, detectProvider } from '../url.js';
import { postgresRosterDatabase } from './postgres-database.js';
import { prismaRosterDatabase, type RosterDatabase } from './repository.js';

/** One school database: its Prisma client and the executor the roster repository writes with. */
export interface SchoolConnection {
  provider: DatabaseProvider;
  client: SchoolPrismaClient;
  roster: RosterDatabase;
  close(): Promise<void>;
}

/**
 * PostgreSQL: one `pg` pool shared by Prisma's adapter and the roster SQL (raw, measurably
 * faster). SQLite and SQL Server: roster SQL through Prisma's adapter (its SQLite connection is
 * the only one to the file, and the SQL Server statements carry three parameters).
 */
export async function openSchoolConnection(
  url: string,
  options: ClientOptions = {},
): Promise<SchoolConnection> {
  const provider = detectProvider(url);
  if (provider === 'postgresql') {
    const { pool } = createPostgresPool(url, options);
    const client = await createSchoolPrismaClient(url, options, pool);
    return {
      provider,
      client,
      roster: postgresRosterDatabase(pool),
      async close() {
        await client.$disconnect().catch(() => undefined);
        await pool.end().catch(() => undefined);
      },
    };
  }
  const client = await createSchoolPrismaClient(url, options);
  return { provider, client, roster: prismaRosterDatabase(client), close: () => client.$disconnect() };
}
