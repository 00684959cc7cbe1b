/**
 * Where a school's roster batches go. A run writes to the school's database (its repository is the
 * writer); a dry run hands the same calls to a planning writer, which classifies every row against
 * the database (or an empty one, for a school without a database yet) and writes nothing. The
 * executor does not know which it has: a dry run is a different writer, not a mode in the code.
 */
import type { SchoolRosterRepository, UpsertResult } from '../../db/index.js';
import type { LinkChanges, LinkKind, RosterEntity, RosterRow, SectionMembers } from '../../domain/index.js';
import { addLinkChanges, noLinkChanges } from '../../domain/index.js';
import type { EntityPlan } from '../types.js';

export type RosterWriter = Pick<
  SchoolRosterRepository,
  | 'upsert'
  | 'markSeen'
  | 'countActive'
  | 'countUnseenActive'
  | 'archiveUnseen'
  | 'archiveByCleverIds'
  | 'deleteInactive'
  | 'replaceSectionLinks'
  | 'pruneLinks'
  | 'activeAmong'
  | 'unreferenced'
> & {
  /** False for the planning writer: nothing it is given is written, so nothing is counted as written. */
  readonly writes: boolean;
};

/** The school database itself. */
export function databaseWriter(roster: SchoolRosterRepository): RosterWriter {
  return {
    writes: true,
    upsert: (entity, rows, runId) => roster.upsert(entity, rows, runId),
    markSeen: (entity, ids, runId) => roster.markSeen(entity, ids, runId),
    countActive: (entity) => roster.countActive(entity),
    countUnseenActive: (entity, runId) => roster.countUnseenActive(entity, runId),
    archiveUnseen: (entity, runId, at) => roster.archiveUnseen(entity, runId, at),
    archiveByCleverIds: (entity, ids, at) => roster.archiveByCleverIds(entity, ids, at),
    deleteInactive: (entity, before) => roster.deleteInactive(entity, before),
    replaceSectionLinks: (kind, sections) => roster.replaceSectionLinks(kind, sections),
    pruneLinks: () => roster.pruneLinks(),
    activeAmong: (entity, ids) => roster.activeAmong(entity, ids),
    unreferenced: (entity) => roster.unreferenced(entity),
  };
}

export const SAMPLE_SIZE = 5;
const ID_PAGE = 1_000;

export function emptyPlan(): EntityPlan {
  return {
    creates: 0,
    updates: 0,
    restores: 0,
    archives: 0,
    unchanged: 0,
    invalid: 0,
    samples: { creates: [], updates: [], restores: [], archives: [] },
    wouldHold: false,
  };
}

function addSamples(into: string[], more: readonly string[]): void {
  for (const id of more) {
    if (into.length >= SAMPLE_SIZE) return;
    into.push(id);
  }
}

/**
 * A dry run's writer: what each call would do, per entity, with a few sample Clever ids per kind.
 * It remembers the ids it was given (one school's roster at most) to tell what would be archived.
 */
export class PlanningWriter implements RosterWriter {
  readonly writes = false;
  private readonly plans = new Map<RosterEntity, EntityPlan>();
  private readonly seen = new Map<RosterEntity, Set<string>>();

  /** `roster` is null for a school without a database yet: everything would be created. */
  constructor(private readonly roster: SchoolRosterRepository | null) {}

  planOf(entity: RosterEntity): EntityPlan {
    let plan = this.plans.get(entity);
    if (!plan) {
      plan = emptyPlan();
      this.plans.set(entity, plan);
    }
    return plan;
  }

  private seenOf(entity: RosterEntity): Set<string> {
    let seen = this.seen.get(entity);
    if (!seen) {
      seen = new Set();
      this.seen.set(entity, seen);
    }
    return seen;
  }

  async upsert<E extends RosterEntity>(entity: E, rows: RosterRow<E>[]): Promise<UpsertResult> {
    const plan = this.planOf(entity);
    for (const row of rows) this.seenOf(entity).add(row.cleverId);
    if (!this.roster) {
      plan.creates += rows.length;
      addSamples(
        plan.samples.creates,
        rows.map((row) => row.cleverId),
      );
      return { created: rows.length, updated: 0, restored: 0, unchanged: 0 };
    }
    const classified = await this.roster.plan(entity, rows);
    plan.creates += classified.created;
    plan.updates += classified.updated;
    plan.restores += classified.restored;
    plan.unchanged += classified.unchanged;
    addSamples(plan.samples.creates, classified.samples.created);
    addSamples(plan.samples.updates, classified.samples.updated);
    addSamples(plan.samples.restores, classified.samples.restored);
    return classified;
  }

  async markSeen(entity: RosterEntity, cleverIds: string[]): Promise<void> {
    for (const id of cleverIds) this.seenOf(entity).add(id);
  }

  countActive(entity: RosterEntity): Promise<number> {
    return this.roster ? this.roster.countActive(entity) : Promise.resolve(0);
  }

  /** The active rows not given to this writer: what a real run would archive (sampled). */
  async countUnseenActive(entity: RosterEntity): Promise<number> {
    const plan = this.planOf(entity);
    plan.archives = 0;
    plan.samples.archives = [];
    if (!this.roster) return 0;
    const seen = this.seenOf(entity);
    for await (const page of this.roster.iterateActiveCleverIds(entity, ID_PAGE)) {
      for (const id of page) {
        if (seen.has(id)) continue;
        plan.archives += 1;
        if (plan.samples.archives.length < SAMPLE_SIZE) plan.samples.archives.push(id);
      }
    }
    return plan.archives;
  }

  async archiveUnseen(entity: RosterEntity): Promise<number> {
    return this.planOf(entity).archives;
  }

  async archiveByCleverIds(_entity: RosterEntity, cleverIds: string[]): Promise<number> {
    return cleverIds.length;
  }

  async deleteInactive(): Promise<number> {
    return 0;
  }

  private readonly links = noLinkChanges();

  /** What replacing the sections' links would add and remove (all added without a database). */
  async replaceSectionLinks(kind: LinkKind, sections: SectionMembers[]): Promise<LinkChanges> {
    let changes: LinkChanges;
    if (this.roster) changes = await this.roster.planSectionLinks(kind, sections);
    else {
      const listed = sections.reduce((sum, section) => sum + new Set(section.memberIds).size, 0);
      changes = { listed, added: listed, removed: 0 };
    }
    addLinkChanges(this.links, changes);
    return changes;
  }

  /** A dry run archives nothing, so no link loses its section or member. */
  async pruneLinks(): Promise<Record<LinkKind, number>> {
    return { teachers: 0, students: 0 };
  }

  async activeAmong(entity: RosterEntity, cleverIds: string[]): Promise<Set<string>> {
    return this.roster ? this.roster.activeAmong(entity, cleverIds) : new Set();
  }

  async unreferenced(entity: 'courses' | 'terms'): Promise<string[]> {
    return this.roster ? this.roster.unreferenced(entity) : [];
  }

  /** The enrollments a real run would add and remove. */
  linkPlan(): LinkChanges {
    return { ...this.links };
  }
}
