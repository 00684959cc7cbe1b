import type { School } from '../../generated/session-postgresql/client.js';
import type { SessionPrismaClient } from '../client.js';
import type { DatabaseRunner } from '../retry.js';
import type { SchoolRecord, SchoolUpsert, SessionRepository } from '../types.js';
import { chunked } from './mappers.js';

export function toSchoolRecord(row: School): SchoolRecord {
  return {
    id: row.id,
    districtId: row.districtId,
    cleverSchoolId: row.cleverSchoolId,
    name: row.name,
    schoolNumber: row.schoolNumber,
    sisId: row.sisId,
    stateId: row.stateId,
    ncesId: row.ncesId,
    lowGrade: row.lowGrade,
    highGrade: row.highGrade,
    phone: row.phone,
    principalName: row.principalName,
    principalEmail: row.principalEmail,
    locationJson: row.locationJson,
    cleverLastModified: row.cleverLastModified,
    connectionSecretName: row.connectionSecretName,
    databaseName: row.databaseName,
    eventsCursor: row.eventsCursor,
    requiresFullSync: row.requiresFullSync,
    isActive: row.isActive,
    archivedAt: row.archivedAt,
    consecutiveFailures: row.consecutiveFailures,
    lastSuccessfulSyncAt: row.lastSuccessfulSyncAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const SCHOOL_DATA_FIELDS = [
  'name',
  'schoolNumber',
  'sisId',
  'stateId',
  'ncesId',
  'lowGrade',
  'highGrade',
  'phone',
  'principalName',
  'principalEmail',
  'locationJson',
  'cleverLastModified',
] as const;

type SchoolData = Partial<Pick<School, (typeof SCHOOL_DATA_FIELDS)[number]>>;

/** Fields of `school` that differ from `existing` (undefined = not supplied = unchanged). */
function changedFields(existing: School, school: SchoolUpsert): SchoolData {
  const changes: Record<string, unknown> = {};
  for (const field of SCHOOL_DATA_FIELDS) {
    const value = school[field];
    if (value === undefined) continue;
    const current = existing[field];
    const same =
      value instanceof Date || current instanceof Date
        ? (value as Date | null)?.getTime() === (current as Date | null)?.getTime()
        : value === current;
    if (!same) changes[field] = value;
  }
  return changes as SchoolData;
}

function suppliedFields(school: SchoolUpsert): SchoolData {
  const data: Record<string, unknown> = {};
  for (const field of SCHOOL_DATA_FIELDS) if (school[field] !== undefined) data[field] = school[field];
  return data as SchoolData & { name: string };
}

export function schoolsRepository(
  client: SessionPrismaClient,
  run: DatabaseRunner,
): SessionRepository['schools'] {
  return {
    async upsertMany(districtId, schools) {
      const byCleverId = new Map(schools.map((school) => [school.cleverSchoolId, school]));
      const result = { created: 0, updated: 0, restored: 0, records: [] as SchoolRecord[] };
      // One transaction per 100 schools: a district has at most a few thousand.
      for (const batch of chunked([...byCleverId.values()], 100)) {
        const outcome = await run('upsert schools', () =>
          client.$transaction(
            async (tx) => {
              const existing = new Map(
                (
                  await tx.school.findMany({
                    where: { cleverSchoolId: { in: batch.map((s) => s.cleverSchoolId) } },
                  })
                ).map((row) => [row.cleverSchoolId, row]),
              );
              const counts = { created: 0, updated: 0, restored: 0, records: [] as School[] };
              for (const school of batch) {
                const current = existing.get(school.cleverSchoolId);
                if (!current) {
                  counts.records.push(
                    await tx.school.create({
                      data: {
                        districtId,
                        cleverSchoolId: school.cleverSchoolId,
                        ...suppliedFields(school),
                        name: school.name,
                      },
                    }),
                  );
                  counts.created += 1;
                  continue;
                }
                const changes = changedFields(current, school);
                const restoring = !current.isActive;
                const moved = current.districtId !== districtId;
                if (!restoring && !moved && Object.keys(changes).length === 0) {
                  counts.records.push(current);
                  continue;
                }
                counts.records.push(
                  await tx.school.update({
                    where: { id: current.id },
                    data: {
                      ...changes,
                      districtId,
                      ...(restoring ? { isActive: true, archivedAt: null } : {}),
                    },
                  }),
                );
                if (restoring) counts.restored += 1;
                else counts.updated += 1;
              }
              return counts;
            },
            { maxWait: 10_000, timeout: 60_000 },
          ),
        );
        result.created += outcome.created;
        result.updated += outcome.updated;
        result.restored += outcome.restored;
        result.records.push(...outcome.records.map(toSchoolRecord));
      }
      return result;
    },
    async archiveMissing(districtId, keepCleverIds, at) {
      const keep = new Set(keepCleverIds);
      const active = await run('list schools', () =>
        client.school.findMany({
          where: { districtId, isActive: true },
          select: { id: true, cleverSchoolId: true },
        }),
      );
      const ids = active.filter((school) => !keep.has(school.cleverSchoolId)).map((school) => school.id);
      let archived = 0;
      for (const batch of chunked(ids)) {
        const { count } = await run('archive schools', () =>
          client.school.updateMany({
            where: { id: { in: batch }, isActive: true },
            data: { isActive: false, archivedAt: at },
          }),
        );
        archived += count;
      }
      return archived;
    },
    async list(options = {}) {
      const rows = await run('list schools', () =>
        client.school.findMany({
          where: {
            ...(options.districtId === undefined ? {} : { districtId: options.districtId }),
            ...(options.activeOnly ? { isActive: true } : {}),
          },
          orderBy: { id: 'asc' },
        }),
      );
      return rows.map(toSchoolRecord);
    },
    async findById(id) {
      const row = await run('find school', () => client.school.findUnique({ where: { id } }));
      return row ? toSchoolRecord(row) : null;
    },
    async findByCleverId(cleverSchoolId) {
      const row = await run('find school', () => client.school.findUnique({ where: { cleverSchoolId } }));
      return row ? toSchoolRecord(row) : null;
    },
    async recordSuccess(id, at, cursor) {
      await run('update school', () =>
        client.school.update({
          where: { id },
          data: {
            consecutiveFailures: 0,
            lastSuccessfulSyncAt: at,
            requiresFullSync: false,
            ...(cursor === undefined ? {} : { eventsCursor: cursor }),
          },
        }),
      );
    },
    async recordFailure(id) {
      const row = await run('update school', () =>
        client.school.update({ where: { id }, data: { consecutiveFailures: { increment: 1 } } }),
      );
      return row.consecutiveFailures;
    },
    async setRequiresFullSync(id, value) {
      await run('update school', () =>
        client.school.update({ where: { id }, data: { requiresFullSync: value } }),
      );
    },
    async setEventsCursor(id, cursor) {
      await run('update school', () =>
        client.school.update({ where: { id }, data: { eventsCursor: cursor } }),
      );
    },
    async advanceCursors(schools, to, at) {
      const byCursor = new Map<string, number[]>();
      for (const school of schools)
        byCursor.set(school.from, [...(byCursor.get(school.from) ?? []), school.id]);
      let updated = 0;
      for (const [from, ids] of byCursor) {
        // Event ids are ObjectIds: hex text order is time order (as compareEventIds in src/sync).
        const newer =
          to !== null &&
          (to.length === from.length ? to.toLowerCase() > from.toLowerCase() : to.length > from.length);
        const next = newer ? to : from;
        for (const batch of chunked(ids)) {
          const { count } = await run('update schools', () =>
            client.school.updateMany({
              where: { id: { in: batch }, eventsCursor: from },
              data: {
                eventsCursor: next,
                consecutiveFailures: 0,
                lastSuccessfulSyncAt: at,
                requiresFullSync: false,
              },
            }),
          );
          updated += count;
        }
      }
      return updated;
    },
    async setDatabase(id, database) {
      await run('update school', () =>
        client.school.update({
          where: { id },
          data: { databaseName: database.databaseName, connectionSecretName: database.connectionSecretName },
        }),
      );
    },
  };
}
