import { describe, expect, it } from 'vitest';
import { formatGlance, sparkline } from '../../src/cli/run-glance.js';
import type { RunView, SchoolProgress } from '../../src/runs/run-view.js';

const zero = { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };

function run(seconds: number, processed: number, schools: [string, string][]): RunView {
  return {
    runId: `run-${seconds}`,
    status: 'Succeeded',
    finished: true,
    scope: 'all',
    scopeId: null,
    trigger: 'timer',
    full: false,
    dryRun: false,
    startedAt: '2026-11-26T02:00:00.000Z',
    completedAt: '2026-11-26T02:10:00.000Z',
    durationSeconds: seconds,
    progress: {
      schoolsTotal: schools.length,
      schoolsCompleted: schools.length,
      schoolsFailed: 0,
      percent: 100,
    },
    counts: { ...zero, processed },
    schools: schools.map(
      ([cleverSchoolId, status]): SchoolProgress => ({
        schoolId: null,
        cleverSchoolId,
        status,
        syncType: 'Incremental',
        counts: zero,
      }),
    ),
    needsAttention: [],
    summary: null,
    error: null,
    statusUrl: '/api/sync/runs/x',
  };
}

describe('recent runs at a glance', () => {
  it('scales a sparkline from the smallest to the largest value', () => {
    expect(sparkline([1, 8, 4.5])).toBe('▁█▅');
    expect(sparkline([3, 3])).toBe('▄▄');
    expect(sparkline([])).toBe('');
  });

  it('draws each school across the runs, oldest first, with durations and records', () => {
    // SessionDb lists newest first.
    const text = formatGlance([
      run(30, 900, [
        ['school-a', 'Held'],
        ['school-b', 'Succeeded'],
      ]),
      run(10, 300, [
        ['school-a', 'Failed'],
        ['school-b', 'Succeeded'],
      ]),
      run(20, 600, [['school-a', 'Succeeded']]),
    ]);
    expect(text.split('\n')).toEqual([
      'At a glance, the last 3 runs (oldest first):',
      '  duration  ▅▁█  (10 s .. 30 s)',
      '  records   ▅▁█  (300 .. 900)',
      '',
      '  school    runs',
      '  school-a  ✓✗H',
      '  school-b  ·✓✓',
      '  ✓ ok  ✗ failed  H held  s skipped (another run had it)  … running  · not in the run',
    ]);
  });

  it('with many schools, shows only those with something other than ✓', () => {
    const schools = Array.from({ length: 40 }, (_, i): [string, string] => [`school-${i}`, 'Succeeded']);
    const bad: [string, string][] = [...schools.slice(1), ['school-0', 'Failed']];
    const text = formatGlance([run(2, 1, bad), run(1, 1, schools)]);
    expect(text).toContain('  school-0  ✓✗');
    expect(text).not.toContain('school-1 ');
    expect(text).toContain('(39 more schools: ✓ in every run)');
  });

  it('says nothing for fewer than two runs', () => {
    expect(formatGlance([run(1, 1, [['school-a', 'Succeeded']])])).toBe('');
  });
});
