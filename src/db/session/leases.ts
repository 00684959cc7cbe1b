import type { SessionPrismaClient } from '../client.js';
import { isConstraintViolation } from '../errors.js';
import type { DatabaseRunner } from '../retry.js';
import type { LeaseResult, SessionRepository } from '../types.js';
import { chunked } from './mappers.js';

/**
 * Leases are rows keyed by name with an expiry. Acquiring is an INSERT; when the row exists, a
 * conditional UPDATE (expired, or already ours) takes it over. Each step is one atomic statement,
 * so two workers can never both succeed. Expiry uses this process's clock: keep TTLs far above
 * any plausible clock skew between workers.
 */
export function leasesRepository(
  client: SessionPrismaClient,
  run: DatabaseRunner,
  now: () => Date = () => new Date(),
): SessionRepository['leases'] {
  return {
    async tryAcquire(key, holder, ttlSeconds): Promise<LeaseResult> {
      const at = now();
      const expiresAt = new Date(at.getTime() + ttlSeconds * 1_000);
      const inserted = await run('acquire lease', async () => {
        try {
          await client.lease.create({ data: { key, holder, expiresAt, acquiredAt: at } });
          return true;
        } catch (error) {
          if (isConstraintViolation(error)) return false;
          throw error;
        }
      });
      if (inserted) return { acquired: true, expiresAt };
      const { count } = await run('acquire lease', () =>
        client.lease.updateMany({
          where: { key, OR: [{ expiresAt: { lte: at } }, { holder }] },
          data: { holder, expiresAt, acquiredAt: at },
        }),
      );
      if (count === 1) return { acquired: true, expiresAt };
      const current = await run('read lease', () => client.lease.findUnique({ where: { key } }));
      // Released between our two statements: report busy; the caller retries on its schedule.
      return {
        acquired: false,
        holder: current?.holder ?? '(released)',
        expiresAt: current?.expiresAt ?? at,
      };
    },
    async renew(key, holder, ttlSeconds) {
      const expiresAt = new Date(now().getTime() + ttlSeconds * 1_000);
      const { count } = await run('renew lease', () =>
        client.lease.updateMany({ where: { key, holder }, data: { expiresAt } }),
      );
      return count === 1;
    },
    async release(key, holder) {
      await run('release lease', () => client.lease.deleteMany({ where: { key, holder } }));
    },
    async holders(keys) {
      const held = new Map<string, string>();
      const at = now();
      for (const batch of chunked(keys)) {
        const rows = await run('read leases', () =>
          client.lease.findMany({
            where: { key: { in: batch }, expiresAt: { gt: at } },
            select: { key: true, holder: true },
          }),
        );
        for (const row of rows) held.set(row.key, row.holder);
      }
      return held;
    },
  };
}
