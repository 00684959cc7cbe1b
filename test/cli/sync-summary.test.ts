import { describe, expect, it } from 'vitest';
import { buildSyncReport, formatSyncReport } from '../../src/cli/sync-summary.js';
import type { DistrictSyncResult, SchoolSyncResult, SyncRunResult } from '../../src/sync/types.js';

const zero = { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };
const metrics = {
  requests: 12,
  retries: 1,
  rateLimited: 0,
  rateLimitWaits: 0,
  rateLimitWaitMs: 0,
} as Parameters<typeof buildSyncReport>[1];

function school(cleverSchoolId: string, over: Partial<SchoolSyncResult> = {}): SchoolSyncResult {
  return {
    schoolId: 1,
    cleverSchoolId,
    districtId: 1,
    status: 'Succeeded',
    syncType: 'Full',
    entities: [],
    counts: zero,
    durationMs: 5,
    warnings: [],
    ...over,
  };
}

function district(cleverDistrictId: string, over: Partial<DistrictSyncResult> = {}): DistrictSyncResult {
  return {
    districtId: 1,
    cleverDistrictId,
    status: 'Succeeded',
    schoolChanges: zero,
    schools: [],
    counts: zero,
    durationMs: 5,
    eventsCursor: null,
    mode: { incrementalSchools: 0, fullSchools: 0, eventsApplied: 0 },
    warnings: [],
    ...over,
  };
}

function run(districts: DistrictSyncResult[], byEntity: SyncRunResult['byEntity'] = {}): SyncRunResult {
  return {
    runId: 'run-1',
    scope: 'all',
    scopeId: null,
    trigger: 'cli',
    full: false,
    dryRun: false,
    status: 'PartiallySucceeded',
    startedAt: new Date(0),
    completedAt: new Date(1_000),
    durationMs: 1_000,
    districts,
    schoolsTotal: 3,
    schoolsCompleted: 2,
    schoolsFailed: 1,
    schoolsSkipped: 0,
    counts: zero,
    byEntity,
    warnings: [],
  };
}

describe('the sync summary names what needs attention, with the command that acts on it', () => {
  it('lists held schools (exact --force command), failed schools, failed and disconnected districts', () => {
    const text = formatSyncReport(
      buildSyncReport(
        run([
          district('d1', {
            status: 'PartiallySucceeded',
            schools: [
              school('s-held', {
                status: 'Held',
                warnings: ['students: would archive 48 of 60 active rows (80.0% > 30.0% allowed)'],
              }),
              school('s-bad', { status: 'Failed', error: 'CLEVER_SERVER_ERROR: 500' }),
              school('s-ok'),
            ],
          }),
          district('d2', { status: 'Skipped', disconnected: true, error: 'district disconnected' }),
          district('d3', { status: 'Failed', error: 'CLEVER_RATE_LIMITED: /districts/d3' }),
          district('d4', { status: 'Held', warnings: ['schools: would archive 3 of 4 active rows'] }),
        ]),
        metrics,
      ),
    );
    const attention = text.slice(text.indexOf('Needs attention:'));
    expect(attention).toContain(
      'school s-held held (students: would archive 48 of 60 active rows (80.0% > 30.0% allowed)); to apply: clever-sync sync --school s-held --force',
    );
    expect(attention).toContain('school s-bad failed: CLEVER_SERVER_ERROR: 500');
    expect(attention).toMatch(/district d2 disconnected from the app/);
    expect(attention).toContain('district d3 failed: CLEVER_RATE_LIMITED: /districts/d3');
    expect(attention).toContain('to apply: clever-sync sync --district d4 --force');
    expect(attention).not.toContain('s-ok');
  });

  it('has no attention section when everything succeeded', () => {
    const text = formatSyncReport(
      buildSyncReport(run([district('d1', { schools: [school('s1')] })]), metrics),
    );
    expect(text).not.toContain('Needs attention');
  });

  it('shows a table per roster when class rosters synced, enrollments last', () => {
    const counts = (processed: number, created: number, archived = 0) => ({
      ...zero,
      processed,
      created,
      archived,
    });
    const text = formatSyncReport(
      buildSyncReport(
        run([district('d1', { schools: [school('s1')] })], {
          students: counts(60, 60),
          teachers: counts(4, 4),
          sections: counts(12, 12),
          enrollments: counts(390, 388, 2),
        }),
        metrics,
      ),
    );
    const table = text.slice(text.indexOf('roster'));
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^roster\s+processed\s+created\s+updated\s+archived/);
    expect(lines.find((l) => l.startsWith('sections'))).toMatch(/^sections\s+12\s+12\s+0\s+0/);
    expect(lines.find((l) => l.startsWith('enrollments'))).toMatch(/^enrollments\s+390\s+388\s+0\s+2/);
    expect(table.indexOf('enrollments')).toBeGreaterThan(table.indexOf('sections'));
  });

  it('keeps the summary as it was when only students and teachers synced', () => {
    const text = formatSyncReport(
      buildSyncReport(
        run([district('d1', { schools: [school('s1')] })], { students: zero, teachers: zero }),
        metrics,
      ),
    );
    expect(text).not.toMatch(/^roster/m);
  });
});
