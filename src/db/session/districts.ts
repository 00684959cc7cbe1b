import type { District } from '../../generated/session-postgresql/client.js';
import type { SessionPrismaClient } from '../client.js';
import type { DatabaseRunner } from '../retry.js';
import type { DistrictRecord, SessionRepository } from '../types.js';

export function toDistrictRecord(row: District): DistrictRecord {
  return {
    id: row.id,
    cleverDistrictId: row.cleverDistrictId,
    name: row.name,
    cleverState: row.cleverState,
    cleverLastSync: row.cleverLastSync,
    eventsCursor: row.eventsCursor,
    eventsCursorTakenAt: row.eventsCursorTakenAt,
    isActive: row.isActive,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function districtsRepository(
  client: SessionPrismaClient,
  run: DatabaseRunner,
): SessionRepository['districts'] {
  return {
    async upsert(district) {
      // Optional fields left undefined keep their stored value on update.
      const data = {
        name: district.name,
        cleverState: district.cleverState,
        cleverLastSync: district.cleverLastSync,
      };
      const row = await run('upsert district', () =>
        client.district.upsert({
          where: { cleverDistrictId: district.cleverDistrictId },
          create: { cleverDistrictId: district.cleverDistrictId, ...data },
          update: data,
        }),
      );
      return toDistrictRecord(row);
    },
    async list(options = {}) {
      const rows = await run('list districts', () =>
        client.district.findMany({
          where: options.activeOnly ? { isActive: true } : {},
          orderBy: { id: 'asc' },
        }),
      );
      return rows.map(toDistrictRecord);
    },
    async findById(id) {
      const row = await run('find district', () => client.district.findUnique({ where: { id } }));
      return row ? toDistrictRecord(row) : null;
    },
    async findByCleverId(cleverDistrictId) {
      const row = await run('find district', () =>
        client.district.findUnique({ where: { cleverDistrictId } }),
      );
      return row ? toDistrictRecord(row) : null;
    },
    async setActive(id, isActive) {
      await run('update district', () => client.district.update({ where: { id }, data: { isActive } }));
    },
    async setEventsCursor(id, cursor, takenAt) {
      await run('update district', () =>
        client.district.update({
          where: { id },
          data: { eventsCursor: cursor, eventsCursorTakenAt: takenAt },
        }),
      );
    },
  };
}
