/**
 * Live progress of one run: counters for the CLI/HTTP status (via `onProgress`) and the SyncRun
 * row, so `GET /api/sync/runs/{id}` can report progress from any instance. The row is written at
 * most once per PROGRESS_WRITE_INTERVAL_MS (and when the run flushes): an incremental pass
 * finishes hundreds of untouched schools at once, and one write per school was most of what a
 * quiet night's run spent (203 SyncRun updates for 12 changes over 200 schools). Writes are
 * chained so they land in order and never overlap.
 */

import type { SessionRepository } from '../../db/index.js';
import type { SyncCounts } from '../../domain/index.js';
import { addCounts, zeroCounts } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { SchoolSyncResult, SyncProgress } from '../types.js';
import { errorForLog } from './error-text.js';

/** How often, at most, the SyncRun row takes the run's progress. */
export const PROGRESS_WRITE_INTERVAL_MS = 1_000;

export class RunTracker {
  districtsTotal = 0;
  districtsDone = 0;
  schoolsTotal = 0;
  schoolsCompleted = 0;
  schoolsFailed = 0;
  schoolsSkipped = 0;
  recordsProcessed = 0;
  readonly counts: SyncCounts = zeroCounts();
  private writes: Promise<void> = Promise.resolve();
  /** Progress not yet written, and the timer that writes it. */
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly runId: string,
    private readonly runs: SessionRepository['runs'] | null,
    private readonly onProgress: ((progress: SyncProgress) => void) | undefined,
    private readonly logger: Logger,
  ) {}

  addDistricts(count: number): void {
    this.districtsTotal += count;
    this.emit('districts');
  }

  districtDone(): void {
    this.districtsDone += 1;
    this.emit('districts');
  }

  addSchools(count: number): void {
    this.schoolsTotal += count;
    this.emit('schools');
    this.persist();
  }

  /** Records read from Clever / events applied; called per page. */
  records(count: number): void {
    if (count === 0) return;
    this.recordsProcessed += count;
    this.emit('schools');
  }

  schoolFinished(result: SchoolSyncResult): void {
    if (result.status === 'Failed') this.schoolsFailed += 1;
    else if (result.status === 'Skipped') this.schoolsSkipped += 1;
    else this.schoolsCompleted += 1;
    addCounts(this.counts, result.counts);
    if (result.schoolId !== null) {
      this.emit('schools', {
        schoolId: result.schoolId,
        cleverSchoolId: result.cleverSchoolId,
        status: result.status,
      });
    } else {
      this.emit('schools');
    }
    this.persist();
  }

  finished(): void {
    this.emit('finished');
  }

  /** Writes progress not yet written and waits for every SyncRun update. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty) this.write();
    await this.writes;
  }

  snapshot(phase: SyncProgress['phase'], lastSchool?: SyncProgress['lastSchool']): SyncProgress {
    return {
      runId: this.runId,
      phase,
      districtsTotal: this.districtsTotal,
      districtsDone: this.districtsDone,
      schoolsTotal: this.schoolsTotal,
      // Skipped schools are done too: they are counted apart so a progress bar can still reach 100%.
      schoolsCompleted: this.schoolsCompleted,
      schoolsFailed: this.schoolsFailed,
      schoolsSkipped: this.schoolsSkipped,
      recordsProcessed: this.recordsProcessed,
      counts: { ...this.counts },
      ...(lastSchool ? { lastSchool } : {}),
    };
  }

  private emit(phase: SyncProgress['phase'], lastSchool?: SyncProgress['lastSchool']): void {
    if (!this.onProgress) return;
    try {
      this.onProgress(this.snapshot(phase, lastSchool));
    } catch (error) {
      this.logger.warn({ err: errorForLog(error) }, 'progress callback failed');
    }
  }

  private persist(): void {
    if (!this.runs) return;
    this.dirty = true;
    if (this.timer) return;
    const wait = this.lastWrite + PROGRESS_WRITE_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.write();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, wait);
    // A run awaits flush() before it ends: the timer need not keep the process alive.
    this.timer.unref();
  }

  private write(): void {
    const runs = this.runs;
    if (!runs) return;
    this.dirty = false;
    this.lastWrite = Date.now();
    const patch = {
      schoolsTotal: this.schoolsTotal,
      schoolsCompleted: this.schoolsCompleted + this.schoolsSkipped,
      schoolsFailed: this.schoolsFailed,
      counts: { ...this.counts },
    };
    this.writes = this.writes
      .then(() => runs.update(this.runId, patch))
      .catch((error) => this.logger.warn({ err: errorForLog(error) }, 'could not record run progress'));
  }
}
