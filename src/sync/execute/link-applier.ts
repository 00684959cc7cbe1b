/**
 * A school's section links (teachers and students of each section: the enrollments) on the way in.
 * Each section's member lists replace its stored links set-wise (added, removed) as its page is
 * applied; links whose section or member was archived are pruned once the school's rosters are
 * applied. Counted in SyncHistory as the entity `enrollments`: processed = links Clever listed,
 * created = links added, archived = links removed.
 */
import type { LinkKind, SectionMembers, SyncType } from '../../domain/index.js';
import { zeroCounts } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import { completeEntry, type HistoryEntry } from '../report/history.js';
import type { EntitySyncResult } from '../types.js';
import type { RosterWriter } from './writers.js';

export class LinkApplier {
  readonly counts = zeroCounts();
  unchanged = 0;

  constructor(
    private readonly writer: RosterWriter,
    readonly syncType: SyncType,
    private readonly entry: HistoryEntry,
    private readonly logger: Logger,
  ) {}

  /** The complete member lists of these sections (sections listed with none lose all their links). */
  async replace(links: Record<LinkKind, SectionMembers[]>): Promise<void> {
    for (const kind of ['teachers', 'students'] as const) {
      const sections = links[kind];
      if (sections.length === 0) continue;
      const changes = await this.writer.replaceSectionLinks(kind, sections);
      this.counts.processed += changes.listed;
      this.unchanged += changes.listed - changes.added;
      if (this.writer.writes) {
        this.counts.created += changes.added;
        this.counts.archived += changes.removed;
      }
    }
  }

  /** Links of sections, students and teachers archived in this run go with them. */
  async prune(): Promise<void> {
    const pruned = await this.writer.pruneLinks();
    if (this.writer.writes) this.counts.archived += pruned.teachers + pruned.students;
  }

  async complete(
    status: EntitySyncResult['status'],
    extra: { error?: string; eventCursor?: string | null } = {},
  ): Promise<EntitySyncResult> {
    await completeEntry(this.entry, { status, counts: this.counts, ...extra, warnings: [] }, this.logger);
    return {
      entity: 'enrollments',
      syncType: this.syncType,
      status,
      counts: this.counts,
      unchanged: this.unchanged,
      warnings: [],
      ...(extra.error === undefined ? {} : { error: extra.error }),
    };
  }
}
