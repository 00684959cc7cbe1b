import { PrismaMssql } from '@prisma/adapter-mssql';
import type sql from 'mssql';
import type { Logger } from '../../telemetry/index.js';

type MssqlAdapter = Awaited<ReturnType<PrismaMssql['connect']>>;

/**
 * Prisma's mssql adapter over an explicit driver config (./driver-config.ts), whose connection
 * pool is shared: Prisma Client queries through it, and the roster SQL (./executor.ts) borrows
 * the same pool, so a school database costs one pool, not two. The pool is created on first
 * use (Prisma's connect or `pool()`), and a failed connect is tried again next time.
 */
export interface SharedMssqlAdapter {
  /** What `new PrismaClient({ adapter })` takes. */
  readonly factory: { provider: 'sqlserver'; adapterName: string; connect(): Promise<MssqlAdapter> };
  pool(): Promise<sql.ConnectionPool>;
  close(): Promise<void>;
}

export function createSharedMssqlAdapter(config: sql.config, logger?: Logger): SharedMssqlAdapter {
  const inner = new PrismaMssql(config, {
    onPoolError: (error) =>
      logger?.warn(
        { err: { name: (error as Error | undefined)?.name } },
        'idle SQL Server connection failed',
      ),
  });
  let connecting: Promise<MssqlAdapter> | undefined;
  const connect = (): Promise<MssqlAdapter> => {
    if (!connecting) {
      const attempt = inner.connect();
      connecting = attempt;
      attempt.catch(() => {
        if (connecting === attempt) connecting = undefined;
      });
    }
    return connecting;
  };
  return {
    factory: { provider: 'sqlserver', adapterName: inner.adapterName, connect },
    pool: async () => (await connect()).underlyingDriver(),
    async close() {
      const adapter = await connecting?.catch(() => undefined);
      connecting = undefined;
      await adapter?.dispose().catch(() => undefined);
    },
  };
}
