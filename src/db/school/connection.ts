import {
  type ClientOptions,
  createPostgresPool,
  createSchoolPrismaClient,
  type SchoolPrismaClient,
  sqlserverClientConfig,
} from '../client.js';
import { createSharedMssqlAdapter } from '../sqlserver/adapter.js';
import { mssqlRosterDatabase } from '../sqlserver/executor.js';
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
 * faster). SQL Server: one `mssql` pool shared the same way, the roster SQL binding declared
 * parameter types (NVARCHAR(MAX) JSON documents, one cached plan per statement). SQLite: roster
 * SQL through Prisma's adapter (its connection is the only one to the file).
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
  if (provider === 'sqlserver') {
    const adapter = createSharedMssqlAdapter(sqlserverClientConfig(url, options), options.logger);
    const client = await createSchoolPrismaClient(url, options, adapter);
    return {
      provider,
      client,
      roster: mssqlRosterDatabase(() => adapter.pool()),
      async close() {
        await client.$disconnect().catch(() => undefined);
        await adapter.close();
      },
    };
  }
  const client = await createSchoolPrismaClient(url, options);
  return { provider, client, roster: prismaRosterDatabase(client), close: () => client.$disconnect() };
}
