/**
 * One roster of one school in one run, on the way in: batches go through the writer, the counts
 * are kept, archives pass the mass-archive guard, and the roster's SyncHistory row is completed.
 * The full pull and the incremental pass both apply through it, so counting, guarding and
 * recording work one way whichever way the changes arrived.
 *
 * - A full pull upserts every page (marking rows seen by the run), then archives what the run did
 *   not see: `archiveUnseen`, guarded on the share of the roster it would archive.
 * - The incremental pass upserts what events created or changed and collects what they removed
 *   (`archive`); the collected ids are applied when the school's events end (`applyPending`) or,
 *   past the guard's share, held: nothing archived until a run with `force`.
 */
import type { RosterEntity, RosterRow, SyncType } from '../../domain/index.js';
import { addCounts, zeroCounts } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import { completeEntry, type HistoryEntry } from '../report/history.js';
import type { EntitySyncResult } from '../types.js';
import { checkArchiveGuard } from './archive-guard.js';
import { chunks } from './pages.js';
import type { Run } from './run.js';
import { type InvalidRecord, isUsableCleverId } from './validate.js';
import type { RosterWriter } from './writers.js';

/** Invalid records logged per batch (by Clever id); the rest are only counted. */
const INVALID_LOG_LIMIT = 20;
const ARCHIVE_CHUNK = 1_000;

export class EntityApplier {
  readonly counts = zeroCounts();
  unchanged = 0;
  readonly warnings: string[] = [];
  /** The warning when the guard held this roster's archives (`<entity>: <reason>`). */
  held: string | undefined;
  /** The guard's own reason, for a dry run's plan. */
  holdReason: string | undefined;
  private activeBefore: number | undefined;
  private purged: number | undefined;
  private readonly pending = new Set<string>();

  constructor(
    private readonly run: Run,
    private readonly writer: RosterWriter,
    readonly entity: RosterEntity,
    readonly syncType: SyncType,
    private readonly entry: HistoryEntry,
    private readonly logger: Logger,
  ) {}

  /** Records Clever sent for this roster (valid or not, repeats collapsed). */
  received(count: number): void {
    this.counts.processed += count;
  }

  /** Active rows before anything of this run was applied: the guard's denominator. */
  async rememberActiveRows(): Promise<void> {
    this.activeBefore ??= await this.writer.countActive(this.entity);
  }

  async upsert(rows: RosterRow<RosterEntity>[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      const result = await this.writer.upsert(this.entity, rows, this.run.id);
      if (this.writer.writes) {
        addCounts(this.counts, {
          created: result.created,
          updated: result.updated,
          restored: result.restored,
        });
      }
      this.unchanged += result.unchanged;
    } catch (error) {
      this.counts.failed += rows.length;
      throw error;
    }
    // A user an earlier event removed and a later one brought back stays.
    for (const row of rows) this.pending.delete(row.cleverId);
  }

  /**
   * Records Clever sent that cannot be stored (no id, no name, no school). They are counted and
   * logged by Clever id only. `listed`: Clever still lists these users (a full pull), so a row
   * stored earlier for them keeps its last good version and is not archived as absent.
   */
  async skipInvalid(invalid: readonly InvalidRecord[], listed: boolean): Promise<void> {
    if (invalid.length === 0) return;
    this.counts.invalid += invalid.length;
    this.logger.warn(
      { entity: this.entity, invalidCount: invalid.length, invalid: invalid.slice(0, INVALID_LOG_LIMIT) },
      'skipped Clever records that miss required fields',
    );
    const ids = invalid.map((record) => record.cleverId).filter(isUsableCleverId);
    if (listed && ids.length > 0) await this.writer.markSeen(this.entity, ids, this.run.id);
  }

  /** Full pull, after the last page: archives the rows the run did not see, unless the guard holds. */
  async archiveUnseen(pulled: number): Promise<void> {
    const wouldArchive = await this.writer.countUnseenActive(this.entity, this.run.id);
    if (this.guardHolds(wouldArchive, pulled)) return;
    if (wouldArchive > 0) {
      const archived = await this.writer.archiveUnseen(this.entity, this.run.id, this.run.now());
      if (this.writer.writes) this.counts.archived += archived;
    }
  }

  /** Incremental: users events removed from this roster. Applied later, or held by the guard. */
  async archive(cleverIds: readonly string[]): Promise<void> {
    if (cleverIds.length === 0) return;
    this.counts.processed += cleverIds.length;
    if (this.run.options.force) {
      this.counts.archived += await this.writer.archiveByCleverIds(
        this.entity,
        [...cleverIds],
        this.run.now(),
      );
      return;
    }
    for (const id of cleverIds) this.pending.add(id);
    await this.rememberActiveRows();
    if (this.guardHolds(this.pending.size)) this.pending.clear();
  }

  /**
   * Archives rows that follow from changes the guard already passed (courses and terms no active
   * section uses after the school's section changes were applied): not guarded a second time.
   */
  async retire(cleverIds: readonly string[]): Promise<void> {
    if (cleverIds.length === 0) return;
    const at = this.run.now();
    for (const ids of chunks([...cleverIds], ARCHIVE_CHUNK)) {
      const archived = await this.writer.archiveByCleverIds(this.entity, ids, at);
      if (this.writer.writes) this.counts.archived += archived;
    }
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Forgets collected archives: another roster of the school was held, so none of its are applied. */
  dropPending(): void {
    this.pending.clear();
  }

  /** Incremental, when the school's events are done: the collected archives. */
  async applyPending(): Promise<void> {
    const at = this.run.now();
    for (const ids of chunks([...this.pending], ARCHIVE_CHUNK)) {
      this.counts.archived += await this.writer.archiveByCleverIds(this.entity, ids, at);
    }
    this.pending.clear();
  }

  /** Beginning-of-year mode: hard-deletes rows inactive since before the given time. */
  async purgeInactive(before: Date): Promise<void> {
    const purged = await this.writer.deleteInactive(this.entity, before);
    this.purged = purged;
    if (purged > 0)
      this.warnings.push(`${this.entity}: beginning-of-year mode deleted ${purged} inactive rows`);
  }

  private guardHolds(wouldArchive: number, pulled?: number): boolean {
    const guard = checkArchiveGuard({
      activeBefore: this.activeBefore ?? 0,
      wouldArchive,
      ...(pulled === undefined ? {} : { pulled }),
      fraction: this.run.settings.archiveGuardFraction,
      minRows: this.run.settings.archiveGuardMinRows,
      force: this.run.options.force,
    });
    if (!guard.hold) return false;
    const source = pulled === undefined ? 'events ' : '';
    this.holdReason = guard.reason;
    this.held = `${this.entity}: ${source}${guard.reason}`;
    this.warnings.push(this.held);
    this.logger.warn(
      { entity: this.entity, activeBefore: this.activeBefore, wouldArchive, pulled },
      `mass-archive guard${pulled === undefined ? ' (events)' : ''}: ${guard.reason}`,
    );
    return true;
  }

  /** Completes the roster's SyncHistory row and returns its result. */
  async complete(
    status: EntitySyncResult['status'],
    extra: { error?: string; eventCursor?: string | null; lastSyncTimestamp?: Date | null } = {},
  ): Promise<EntitySyncResult> {
    await completeEntry(
      this.entry,
      { status, counts: this.counts, ...extra, warnings: this.warnings },
      this.logger,
    );
    return {
      entity: this.entity,
      syncType: this.syncType,
      status,
      counts: this.counts,
      unchanged: this.unchanged,
      warnings: [...this.warnings],
      ...(extra.error === undefined ? {} : { error: extra.error }),
      ...(this.holdReason === undefined ? {} : { holdReason: this.holdReason }),
      ...(this.purged === undefined ? {} : { purged: this.purged }),
    };
  }
}
