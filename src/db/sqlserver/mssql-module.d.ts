/**
 * The part of the `mssql` package (12.x, the driver under @prisma/adapter-mssql) clever-sync
 * uses. The package ships no types and @types/mssql is not a dependency; these declarations
 * follow node_modules/mssql/lib (base/connection-pool.js, base/request.js, datatypes.js).
 */
declare module 'mssql' {
  import type { EventEmitter } from 'node:events';

  namespace sql {
    /** A parameter type: what `sql.NVarChar(sql.MAX)` and friends return. */
    interface ISqlType {
      type: ISqlTypeFactory;
      length?: number;
      scale?: number;
      precision?: number;
    }
    type ISqlTypeFactory = (...args: number[]) => ISqlType;

    interface PoolOptions {
      max?: number;
      min?: number;
      idleTimeoutMillis?: number;
      acquireTimeoutMillis?: number;
    }

    /** What tedious authenticates with (tedious ConnectionAuthentication). */
    interface Authentication {
      type: string;
      options: Record<string, unknown>;
    }

    interface config {
      server: string;
      port?: number;
      database?: string;
      user?: string;
      password?: string;
      /** Login timeout, ms (tedious connectTimeout). mssql's default: 15 s. */
      connectionTimeout?: number;
      /** Per-request timeout, ms (tedious requestTimeout). mssql's default: 15 s. */
      requestTimeout?: number;
      /** `true`: SELECT 1 on every acquire (mssql's default); `'socket'`: check the socket only. */
      validateConnection?: boolean | 'socket';
      pool?: PoolOptions;
      authentication?: Authentication;
      options?: {
        encrypt?: boolean | 'strict';
        trustServerCertificate?: boolean;
        multiSubnetFailover?: boolean;
        appName?: string;
        useUTC?: boolean;
        isolationLevel?: number;
        [key: string]: unknown;
      };
    }

    interface IResult<Row = Record<string, unknown>> {
      recordset?: Row[];
      recordsets: Row[][];
      rowsAffected: number[];
    }

    interface RequestParameter {
      name: string;
      type: ISqlTypeFactory;
      value: unknown;
      length?: number;
      scale?: number;
      precision?: number;
    }

    class Request extends EventEmitter {
      constructor(parent?: ConnectionPool | Transaction);
      parameters: Record<string, RequestParameter>;
      input(name: string, type: ISqlType | ISqlTypeFactory, value: unknown): this;
      query<Row = Record<string, unknown>>(command: string): Promise<IResult<Row>>;
      /** Sends the text as one SQL batch (no sp_executesql), as Prisma's engine runs migrations. */
      batch<Row = Record<string, unknown>>(command: string): Promise<IResult<Row>>;
    }

    class Transaction extends EventEmitter {
      constructor(parent?: ConnectionPool);
      begin(isolationLevel?: number): Promise<this>;
      commit(): Promise<void>;
      rollback(): Promise<void>;
      request(): Request;
    }

    class ConnectionPool extends EventEmitter {
      constructor(config: config);
      readonly connected: boolean;
      connect(): Promise<this>;
      close(): Promise<void>;
      request(): Request;
      transaction(): Transaction;
    }

    class MSSQLError extends Error {
      constructor(message: string | Error, code?: string);
      code?: string;
      originalError?: Error;
    }
    class ConnectionError extends MSSQLError {}
    class RequestError extends MSSQLError {
      number?: number;
      state?: number;
      class?: number;
    }
    class TransactionError extends MSSQLError {}

    const MAX: number;
    const NVarChar: ISqlTypeFactory;
    const Int: ISqlTypeFactory;
    const DateTime2: ISqlTypeFactory;
    const ISOLATION_LEVEL: Record<
      'READ_UNCOMMITTED' | 'READ_COMMITTED' | 'REPEATABLE_READ' | 'SERIALIZABLE' | 'SNAPSHOT',
      number
    >;
  }

  export default sql;
}
