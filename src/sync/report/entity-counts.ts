/**
 * Counts per roster (students, teachers, sections, courses, terms) and for the section links
 * (enrollments): what the CLI's "by roster" table, the stored run summary and the run views show.
 */
import { addCounts, type SyncCounts, zeroCounts } from '../../domain/index.js';
import type { EntitySyncResult } from '../types.js';

export type EntityCounts = Partial<Record<EntitySyncResult['entity'], SyncCounts>>;

export function entityCountsOf(
  entities: readonly Pick<EntitySyncResult, 'entity' | 'counts'>[],
): EntityCounts {
  const byEntity: EntityCounts = {};
  for (const { entity, counts } of entities) {
    byEntity[entity] = addCounts(byEntity[entity] ?? zeroCounts(), counts);
  }
  return byEntity;
}

export function sumEntityCounts(all: readonly EntityCounts[]): EntityCounts {
  const total: EntityCounts = {};
  for (const byEntity of all) {
    for (const [entity, counts] of Object.entries(byEntity) as [keyof EntityCounts, SyncCounts][]) {
      total[entity] = addCounts(total[entity] ?? zeroCounts(), counts);
    }
  }
  return total;
}
