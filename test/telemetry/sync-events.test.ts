import { describe, expect, it } from 'vitest';
import { trackRateLimitWait, trackRunCompleted } from '../../src/telemetry/sync-events.js';
import { recordingTelemetry } from '../support/recording.js';

describe('sync telemetry the alert rules read', () => {
  const zero = { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };
  const run = {
    runId: 'r-1',
    trigger: 'timer',
    status: 'PartiallySucceeded',
    dryRun: false,
    durationMs: 1234,
    schoolsTotal: 5,
    schoolsFailed: 1,
    counts: { ...zero, processed: 10, created: 4 },
  };

  it('reports a finished run as one CleverSyncRunCompleted per district, with its status and counts', () => {
    const { telemetry, events } = recordingTelemetry();
    trackRunCompleted(telemetry, {
      ...run,
      districts: [
        { cleverDistrictId: 'd-1', status: 'Succeeded', counts: { ...zero, processed: 6, created: 4 } },
        { cleverDistrictId: 'd-2', status: 'Failed', counts: { ...zero, processed: 4, failed: 4 } },
      ],
    });
    expect(events).toEqual([
      {
        name: 'CleverSyncRunCompleted',
        properties: {
          runId: 'r-1',
          runStatus: 'PartiallySucceeded',
          trigger: 'timer',
          dryRun: false,
          districtId: 'd-1',
          status: 'Succeeded',
        },
        measurements: {
          durationMs: 1234,
          schoolsTotal: 5,
          schoolsFailed: 1,
          ...zero,
          processed: 6,
          created: 4,
        },
      },
      {
        name: 'CleverSyncRunCompleted',
        properties: {
          runId: 'r-1',
          runStatus: 'PartiallySucceeded',
          trigger: 'timer',
          dryRun: false,
          districtId: 'd-2',
          status: 'Failed',
        },
        measurements: {
          durationMs: 1234,
          schoolsTotal: 5,
          schoolsFailed: 1,
          ...zero,
          processed: 4,
          failed: 4,
        },
      },
    ]);
  });

  it('reports a run that reached no district once, with the run status', () => {
    const { telemetry, events } = recordingTelemetry();
    trackRunCompleted(telemetry, { ...run, status: 'Failed', districts: [] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      name: 'CleverSyncRunCompleted',
      properties: { status: 'Failed', runStatus: 'Failed' },
    });
    expect(events[0]!.properties).not.toHaveProperty('districtId');
  });

  it('says how each district synced: Full, Incremental or Mixed, with the schools of each kind', () => {
    const { telemetry, events } = recordingTelemetry();
    const district = (id: string, full: number, incremental: number) => ({
      cleverDistrictId: id,
      status: 'Succeeded',
      counts: zero,
      schoolSyncTypes: { full, incremental },
    });
    trackRunCompleted(telemetry, {
      ...run,
      districts: [district('d-1', 2, 0), district('d-2', 0, 3), district('d-3', 1, 1), district('d-4', 0, 0)],
    });
    expect(events.map((e) => (e.properties as { syncType: string }).syncType)).toEqual([
      'Full',
      'Incremental',
      'Mixed',
      'None',
    ]);
    expect(events[2]!.measurements).toMatchObject({ fullSchools: 1, incrementalSchools: 1 });
  });

  it('reports each rate-limit pause as CleverRateLimitWait with its duration', () => {
    const { telemetry, events } = recordingTelemetry();
    trackRateLimitWait(telemetry, { districtId: 'd-1', reason: 'rate-limited', waitMs: 1500, callers: 3 });
    expect(events).toEqual([
      {
        name: 'CleverRateLimitWait',
        properties: { districtId: 'd-1', reason: 'rate-limited' },
        measurements: { waitMs: 1500, callers: 3 },
      },
    ]);
  });
});
