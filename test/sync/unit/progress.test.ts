import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionRepository, SyncRunRecord } from '../../../src/db/index.js';
import { zeroCounts } from '../../../src/domain/index.js';
import { PROGRESS_WRITE_INTERVAL_MS, RunTracker } from '../../../src/sync/report/progress.js';
import type { SchoolSyncResult } from '../../../src/sync/types.js';
import { silentLogger } from '../../../src/telemetry/index.js';

type Patch = Partial<Omit<SyncRunRecord, 'runId'>>;

/** The SyncRun row's writes, as the repository receives them. */
function recordingRuns(): { runs: SessionRepository['runs']; patches: Patch[] } {
  const patches: Patch[] = [];
  const runs = {
    update: async (_runId: string, patch: Patch) => {
      patches.push(patch);
    },
  } as unknown as SessionRepository['runs'];
  return { runs, patches };
}

function finished(index: number): SchoolSyncResult {
  return {
    schoolId: index,
    cleverSchoolId: `school-${index}`,
    districtId: 1,
    status: 'Succeeded',
    syncType: 'Incremental',
    entities: [],
    counts: { ...zeroCounts(), processed: 1 },
    durationMs: 1,
    warnings: [],
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RunTracker', () => {
  it('writes the run row once for a burst of finished schools, and the final progress on flush', async () => {
    const { runs, patches } = recordingRuns();
    const tracker = new RunTracker('run-1', runs, undefined, silentLogger());
    tracker.addSchools(200);
    for (let i = 0; i < 200; i++) tracker.schoolFinished(finished(i));
    await Promise.resolve();
    // 200 schools finished at once (an incremental pass's untouched schools): not 200 writes.
    expect(patches.length).toBeLessThanOrEqual(1);
    await tracker.flush();
    expect(patches.length).toBeLessThanOrEqual(2);
    expect(patches.at(-1)).toMatchObject({ schoolsTotal: 200, schoolsCompleted: 200, schoolsFailed: 0 });
    expect(patches.at(-1)?.counts?.processed).toBe(200);
  });

  it('keeps the row current while a run goes on: a write at most once per interval', async () => {
    vi.useFakeTimers();
    const { runs, patches } = recordingRuns();
    const tracker = new RunTracker('run-2', runs, undefined, silentLogger());
    tracker.addSchools(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(patches).toHaveLength(1);
    tracker.schoolFinished(finished(1));
    await vi.advanceTimersByTimeAsync(PROGRESS_WRITE_INTERVAL_MS / 2);
    expect(patches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(PROGRESS_WRITE_INTERVAL_MS / 2);
    // The school that finished meanwhile reaches the row without waiting for the run's end.
    expect(patches).toHaveLength(2);
    expect(patches[1]).toMatchObject({ schoolsCompleted: 1 });
    await tracker.flush();
    expect(patches).toHaveLength(2);
  });
});
