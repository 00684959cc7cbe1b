import { describe, expect, it } from 'vitest';
import { cliForceHint, httpForceHint, needsAttention } from '../../src/runs/attention.js';
import { outcomeFromSummary } from '../../src/runs/run-view.js';

const counts = { processed: 1, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };

/** A summary as the engine stores it in the SyncRun row (src/sync runSummary). */
const summary = {
  districts: [
    {
      districtId: 1,
      cleverDistrictId: 'district-held-list',
      status: 'Held',
      warnings: ['schools: would archive 3 of 4 schools: held', 'another warning'],
      schools: [
        { schoolId: 1, cleverSchoolId: 'school-ok', status: 'Succeeded', syncType: 'Incremental', counts },
      ],
    },
    {
      districtId: 2,
      cleverDistrictId: 'district-2',
      status: 'PartiallySucceeded',
      warnings: [],
      schools: [
        {
          schoolId: 2,
          cleverSchoolId: 'school-held',
          status: 'Held',
          syncType: 'Full',
          counts,
          warnings: ['students: would archive 9 of 10 active rows: archive held'],
        },
        {
          schoolId: 3,
          cleverSchoolId: 'school-failed',
          status: 'Failed',
          syncType: 'Full',
          counts,
          error: 'boom',
        },
      ],
    },
    {
      districtId: 3,
      cleverDistrictId: 'district-gone',
      status: 'Failed',
      error: 'token revoked',
      disconnected: true,
      warnings: [],
      schools: [],
    },
  ],
};

describe('what needs attention, from the summary a run stored', () => {
  it('names each held list or school with the request (HTTP) or command (CLI) that applies it', () => {
    const outcome = outcomeFromSummary(summary);
    expect(needsAttention(outcome, httpForceHint)).toEqual([
      'district district-held-list school list held (schools: would archive 3 of 4 schools: held); to apply: POST /api/sync?districtId=district-held-list&force=true',
      'school school-held held (students: would archive 9 of 10 active rows: archive held); to apply: POST /api/sync?schoolId=school-held&force=true',
      'school school-failed failed: boom',
      "district district-gone disconnected from the app: it is no longer synced (reconnect it in Clever's district dashboard to resume)",
    ]);
    expect(needsAttention(outcome, cliForceHint)[1]).toMatch(
      /to apply: clever-sync sync --school school-held --force$/,
    );
  });

  it('reads what it cannot use as nothing to act on', () => {
    for (const stored of [null, 'text', { schoolLists: [] }, { districts: 'x' }, { districts: [null, 3] }]) {
      expect(needsAttention(outcomeFromSummary(stored), httpForceHint)).toEqual([]);
    }
  });
});
