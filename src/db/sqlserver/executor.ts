import sql from 'mssql';
import type { RosterDatabase, RosterExecutor, SqlParameterType, SqlStatement } from '../base/roster-sql.js';

/**
 * SQL Server statements on the `mssql` driver, each parameter with its declared type. Prisma's
 * adapter lets the driver infer types, and tedious then declares a string NVARCHAR(<its length>):
 * every chunk's JSON document has another length, so SQL Server would compile and cache one
 * plan per length. Declared here, a JSON document is NVARCHAR(MAX) and the plan is reused.
 */
const DECLARED: Record<SqlParameterType, () => sql.ISqlType> = {
  json: () => sql.NVarChar(sql.MAX),
  text: () => sql.NVarChar(sql.MAX),
  key: () => sql.NVarChar(64),
  timestamp: () => sql.DateTime2(3),
  int: () => sql.Int(),
};

/** Adds `@P1..@Pn` to the request with the statement's declared types. */
export function bindParameters(request: sql.Request, statement: SqlStatement): sql.Request {
  const types = statement.types;
  if (!types || types.length !== statement.params.length) {
    throw new Error('SQL Server statement without a declared type for every parameter');
  }
  statement.params.forEach((value, index) => {
    request.input(`P${index + 1}`, DECLARED[types[index]!](), value ?? null);
  });
  return request;
}

function executor(request: () => sql.Request): RosterExecutor {
  return {
    async query(statement) {
      const result = await bindParameters(request(), statement).query(statement.sql);
      return result.recordset ?? [];
    },
    async execute(statement) {
      const result = await bindParameters(request(), statement).query(statement.sql);
      return result.rowsAffected.reduce((total, count) => total + count, 0);
    },
  };
}

/**
 * The roster repository's executor on a pool (shared with the school's Prisma client, see
 * ./index.ts). A transaction holds one pooled connection until it commits or
 * rolls back; one that SQL Server aborted (a deadlock victim) is not rolled back twice.
 */
export function mssqlRosterDatabase(pool: () => Promise<sql.ConnectionPool>): RosterDatabase {
  const pooled = async (): Promise<RosterExecutor> => {
    const connected = await pool();
    return executor(() => connected.request());
  };
  return {
    query: async (statement) => (await pooled()).query(statement),
    execute: async (statement) => (await pooled()).execute(statement),
    async transaction(work) {
      const transaction = new sql.Transaction(await pool());
      let aborted = false;
      transaction.on('rollback', (byServer: boolean) => {
        if (byServer) aborted = true;
      });
      await transaction.begin();
      try {
        const result = await work(executor(() => new sql.Request(transaction)));
        await transaction.commit();
        return result;
      } catch (error) {
        if (!aborted) await transaction.rollback().catch(() => undefined);
        throw error;
      }
    },
  };
}
