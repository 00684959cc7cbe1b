import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exitCodeForStatus, formatDuration, formatTable } from '../../src/cli/output.js';
import { createProgressDisplay, progressLine } from '../../src/cli/progress.js';
import type { SyncProgress } from '../../src/sync/types.js';

const progress = (over: Partial<SyncProgress> = {}): SyncProgress => ({
  runId: 'r',
  phase: 'schools',
  districtsTotal: 1,
  districtsDone: 0,
  schoolsTotal: 10,
  schoolsCompleted: 3,
  schoolsFailed: 1,
  schoolsSkipped: 0,
  recordsProcessed: 500,
  counts: { processed: 500, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
  ...over,
});

class Terminal extends Writable {
  text = '';
  isTTY: boolean;
  columns = 120;
  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

describe('CLI output', () => {
  it('maps run statuses to exit codes 0 / 2 / 1', () => {
    expect(exitCodeForStatus('Succeeded')).toBe(0);
    expect(exitCodeForStatus('PartiallySucceeded')).toBe(2);
    expect(exitCodeForStatus('Held')).toBe(2);
    expect(exitCodeForStatus('Failed')).toBe(1);
    expect(exitCodeForStatus('Abandoned')).toBe(1);
  });

  it('aligns tables: text left, numbers right, missing values as -', () => {
    const table = formatTable(
      ['school', 'count'],
      [
        ['a', 5],
        ['bbbb', 12_345],
        ['c', null],
      ],
    );
    expect(table.split('\n')).toEqual([
      'school  count',
      '------  -----',
      'a           5',
      'bbbb    12345',
      'c           -',
    ]);
  });

  it('formats durations for people', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });

  it('shows schools done / total, records per second and rate-limit waits', () => {
    expect(progressLine(progress(), 10, { rateLimitWaits: 2, rateLimitWaitMs: 3_500 })).toBe(
      'schools 4/10 | 500 records (50/s) | rate-limit waits 2 (3.5 s) | 1 failed',
    );
    expect(
      progressLine(progress({ schoolsTotal: 0, schoolsFailed: 0 }), 0, {
        rateLimitWaits: 0,
        rateLimitWaitMs: 0,
      }),
    ).toMatch(/^schools 3\/\? \| 500 records \(0\/s\)/);
  });

  it('draws progress in place on a TTY and clears it, and prints nothing elsewhere', () => {
    const tty = new Terminal(true);
    let now = 0;
    const display = createProgressDisplay(
      { stdout: new Terminal(true), stderr: tty },
      () => ({ rateLimitWaits: 0, rateLimitWaitMs: 0 }),
      () => now,
    );
    now = 1_000;
    display.update(progress());
    now = 1_050; // redraws are throttled
    display.update(progress({ schoolsCompleted: 4 }));
    display.stop();
    expect(tty.text.startsWith('\rschools 4/10')).toBe(true);
    expect(tty.text.match(/schools /g)).toHaveLength(1);
    expect(tty.text.endsWith('\r')).toBe(true);

    const pipe = new Terminal(false);
    const quiet = createProgressDisplay({ stdout: pipe, stderr: pipe }, () => ({
      rateLimitWaits: 0,
      rateLimitWaitMs: 0,
    }));
    quiet.update(progress());
    quiet.stop();
    expect(pipe.text).toBe('');
  });
});
