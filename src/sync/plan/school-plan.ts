/**
 * How each school is synced in a run, decided from SessionDb state alone (a pure function): an
 * incremental pass over Clever's events once a school has a trustworthy cursor, a full pull
 * whenever the cursor cannot be trusted. A dry run plans full pulls against a writer that only
 * classifies (execute/writers.ts); nothing else about the run changes.
 */
import type { SchoolRecord } from '../../db/index.js';
import type { RosterEntity } from '../../domain/index.js';
import { leaseKeys } from '../leases.js';

export type FullSyncReason =
  | 'dry-run'
  | 'requested'
  | 'never-synced'
  | 'requires-full-sync'
  | 'events-disabled'
  | 'no-events-cursor'
  | 'cursor-expired'
  | 'events-cursor-rejected';

/** A school a run covers. `record` is null only for a school a dry run found that SessionDb does not know. */
export interface SchoolTarget {
  record: SchoolRecord | null;
  cleverSchoolId: string;
  districtId: number | null;
}

export type SchoolPlan =
  | {
      kind: 'incremental';
      school: SchoolTarget & { record: SchoolRecord };
      /** Events after this id are this school's changes. */
      cursor: string;
      leaseKey: string;
      entities: readonly RosterEntity[];
    }
  | {
      kind: 'full';
      school: SchoolTarget;
      reason: FullSyncReason;
      /** Null for a school a dry run found that SessionDb does not know (no lease to take). */
      leaseKey: string | null;
      entities: readonly RosterEntity[];
    };

export interface PlanInputs {
  dryRun: boolean;
  /** A full sync was asked for. */
  full: boolean;
  eventsEnabled: boolean;
  eventsRetentionDays: number;
  now: Date;
  entities: readonly RosterEntity[];
}

const DAY_MS = 86_400_000;

export function planSchool(school: SchoolTarget, inputs: PlanInputs): SchoolPlan {
  const { record } = school;
  const full = (reason: FullSyncReason): SchoolPlan => ({
    kind: 'full',
    school,
    reason,
    leaseKey: record ? leaseKeys.school(record.id) : null,
    entities: inputs.entities,
  });
  if (inputs.dryRun || !record) return full('dry-run');
  if (inputs.full) return full('requested');
  if (record.lastSuccessfulSyncAt === null) return full('never-synced');
  if (record.requiresFullSync) return full('requires-full-sync');
  if (!inputs.eventsEnabled) return full('events-disabled');
  // A null cursor after a successful sync: the district had no Events access last time.
  if (record.eventsCursor === null) return full('no-events-cursor');
  // Clever keeps events for a limited time; past it, events would silently be missing.
  const age = inputs.now.getTime() - record.lastSuccessfulSyncAt.getTime();
  if (age > inputs.eventsRetentionDays * DAY_MS) return full('cursor-expired');
  return {
    kind: 'incremental',
    school: { ...school, record },
    cursor: record.eventsCursor,
    leaseKey: leaseKeys.school(record.id),
    entities: inputs.entities,
  };
}

/** Every school's plan, split by how it runs. */
export function planSchools(
  schools: readonly SchoolTarget[],
  inputs: PlanInputs,
): {
  incremental: Extract<SchoolPlan, { kind: 'incremental' }>[];
  full: Extract<SchoolPlan, { kind: 'full' }>[];
} {
  const incremental: Extract<SchoolPlan, { kind: 'incremental' }>[] = [];
  const full: Extract<SchoolPlan, { kind: 'full' }>[] = [];
  for (const school of schools) {
    const plan = planSchool(school, inputs);
    if (plan.kind === 'incremental') incremental.push(plan);
    else full.push(plan);
  }
  return { incremental, full };
}

/** A school the incremental pass sent back (Clever refused the cursor): pulled in full instead. */
export function fullInstead(plan: SchoolPlan, reason: FullSyncReason): Extract<SchoolPlan, { kind: 'full' }> {
  return { kind: 'full', school: plan.school, reason, leaseKey: plan.leaseKey, entities: plan.entities };
}
