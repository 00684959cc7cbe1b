/**
 * Live progress of a sync on a terminal: schools done / total, records per second and rate-limit
 * waits, redrawn in place on stderr (stdout stays clean for the summary or --json). On anything
 * that is not a TTY it prints nothing: CI logs get the summary only.
 */
import type { SyncProgress } from '../sync/index.js';
import type { CliIo } from './output.js';

export interface RateLimitStats {
  rateLimitWaits: number;
  rateLimitWaitMs: number;
}

export interface ProgressDisplay {
  update(progress: SyncProgress): void;
  /** Clears the progress line (before the summary is printed). */
  stop(): void;
}

const REDRAW_EVERY_MS = 200;

export function createProgressDisplay(
  io: CliIo,
  rateLimits: () => RateLimitStats,
  clock: () => number = Date.now,
): ProgressDisplay {
  const stream = io.stderr;
  if (!stream.isTTY) return { update() {}, stop() {} };
  const startedAt = clock();
  let lastDrawn = 0;
  let drawn = false;

  return {
    update(progress) {
      const now = clock();
      if (now - lastDrawn < REDRAW_EVERY_MS && progress.phase !== 'finished') return;
      lastDrawn = now;
      const line = progressLine(progress, (now - startedAt) / 1_000, rateLimits());
      const width = lineWidth(stream.columns);
      stream.write(`\r${line.slice(0, width).padEnd(width)}`);
      drawn = true;
    },
    stop() {
      if (drawn) stream.write(`\r${' '.repeat(lineWidth(stream.columns))}\r`);
      drawn = false;
    },
  };
}

/** Some terminals (and `script`) report 0 columns: assume a usual width then. */
function lineWidth(columns: number | undefined): number {
  return Math.max(40, (columns || 100) - 1);
}

export function progressLine(
  progress: SyncProgress,
  elapsedSeconds: number,
  rateLimits: RateLimitStats,
): string {
  const done = progress.schoolsCompleted + progress.schoolsFailed + progress.schoolsSkipped;
  const total = progress.schoolsTotal > 0 ? String(progress.schoolsTotal) : '?';
  const perSecond = elapsedSeconds > 0 ? Math.round(progress.recordsProcessed / elapsedSeconds) : 0;
  const parts = [
    `schools ${done}/${total}`,
    `${progress.recordsProcessed} records (${perSecond}/s)`,
    `rate-limit waits ${rateLimits.rateLimitWaits} (${(rateLimits.rateLimitWaitMs / 1_000).toFixed(1)} s)`,
  ];
  if (progress.schoolsFailed > 0) parts.push(`${progress.schoolsFailed} failed`);
  return parts.join(' | ');
}
