/**
 * Terminal output of the CLI: what humans read (tables, progress on a TTY) and what machines read
 * (`--json`, one JSON document on stdout). Exit codes are the contract for scripts:
 * 0 success, 2 partial (some schools failed or a run was held), 1 failure.
 */
import type { Writable } from 'node:stream';
import type { SyncStatus } from '../domain/index.js';

export const EXIT = { ok: 0, failure: 1, partial: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeForStatus(status: SyncStatus | 'Skipped'): ExitCode {
  if (status === 'Succeeded') return EXIT.ok;
  if (status === 'PartiallySucceeded' || status === 'Held' || status === 'Skipped') return EXIT.partial;
  return EXIT.failure;
}

export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Cell = string | number | null | undefined;

/** A plain aligned table (numbers right-aligned); no colours so it survives logs and pipes. */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const text = (cell: Cell) => (cell === null || cell === undefined ? '-' : String(cell));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => text(row[i]).length)),
  );
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] == null),
  );
  const line = (cells: Cell[]) =>
    cells
      .map((cell, i) =>
        numeric[i] ? text(cell).padStart(widths[i] ?? 0) : text(cell).padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1_000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
