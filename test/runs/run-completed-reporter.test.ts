import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../emulator/index.js';
import { type AppServices, createAppServices, createSyncServices, type SyncServices } from '../../src/app.js';
import { changeSomeRecords } from '../../src/cli/commands/demo.js';
import { createRunCompletedReporter } from '../../src/runs/run-completed-reporter.js';
import { createCapturingLogger, noopTelemetry } from '../../src/telemetry/index.js';
import { stackSettings, TINY_DISTRICT } from '../functions/support/stack.js';
import { type RecordedEvent, recordingTelemetry } from '../support/recording.js';

/**
 * The composition root's run reporter on real parts (engine, SQLite SessionDb, emulator): each
 * CleverSyncRunCompleted says how the district's schools synced, for the workbook's
 * incremental-vs-full picture.
 */
describe('CleverSyncRunCompleted carries the sync type of each district', () => {
  let emulator: EmulatorHandle;
  let app: AppServices;
  let services: SyncServices;
  let dir: string;
  const { telemetry, events } = recordingTelemetry();

  beforeAll(async () => {
    emulator = await startEmulator(TINY_DISTRICT);
    dir = mkdtempSync(join(tmpdir(), 'clever-sync-reporter-'));
    const env = stackSettings(emulator, dir, { LOG_LEVEL: 'warn' });
    const built = await createAppServices({ env, startBackground: false });
    app = { ...built, telemetry };
    services = await createSyncServices(app);
  });
  afterAll(async () => {
    await services?.dispose();
    await app?.dispose();
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function syncAndReport(options: { dryRun?: boolean } = {}): Promise<RecordedEvent> {
    const started = await services.sync.start({ scope: 'all' }, { trigger: 'test', ...options });
    await started.done;
    // The reporter reads SyncHistory after the run is stored: wait for its event.
    for (let i = 0; i < 200 && !events.some((e) => e.properties.runId === started.runId); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const event = events.find((e) => e.properties.runId === started.runId);
    if (!event) throw new Error('no CleverSyncRunCompleted for the run');
    return event;
  }

  it('Full on the first run, Incremental once events carry the changes', async () => {
    const first = await syncAndReport();
    expect(first.name).toBe('CleverSyncRunCompleted');
    expect(first.properties).toMatchObject({ status: 'Succeeded', syncType: 'Full' });
    expect(first.measurements).toMatchObject({ fullSchools: 3, incrementalSchools: 0 });

    changeSomeRecords(emulator);
    const second = await syncAndReport();
    expect(second.properties).toMatchObject({ status: 'Succeeded', syncType: 'Incremental' });
    expect(second.measurements).toMatchObject({ fullSchools: 0, incrementalSchools: 3 });
  });

  it('a dry run writes no SyncHistory: its event has no sync type', async () => {
    const dry = await syncAndReport({ dryRun: true });
    expect(dry.properties).toMatchObject({ dryRun: true });
    expect(dry.properties.syncType).toBeUndefined();
    expect(dry.measurements.fullSchools).toBeUndefined();
  });

  it('reports without sync types when SessionDb cannot be read, and reads nothing without telemetry', async () => {
    const { logger, lines } = createCapturingLogger('warn');
    const recorded = recordingTelemetry();
    const broken = {
      history: {
        list: async () => {
          throw new Error('SessionDb is down');
        },
      },
      districts: services.session.districts,
    } as unknown as Parameters<typeof createRunCompletedReporter>[0]['session'];
    const run = {
      runId: 'r-1',
      trigger: 'timer' as const,
      status: 'Succeeded' as const,
      dryRun: false,
      durationMs: 5,
      schoolsTotal: 1,
      schoolsFailed: 0,
      counts: { processed: 1, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
      districts: [
        {
          cleverDistrictId: 'd-1',
          status: 'Succeeded',
          counts: { processed: 1, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
        },
      ],
    };
    const reporter = createRunCompletedReporter({ telemetry: recorded.telemetry, session: broken, logger });
    reporter.onRunCompleted(run);
    await reporter.settled();
    expect(recorded.events).toHaveLength(1);
    expect(recorded.events[0]!.properties.syncType).toBeUndefined();
    expect(lines.join('\n')).toContain("could not read the run's sync types");

    let reads = 0;
    const list = async () => {
      reads += 1;
      return [];
    };
    const counting = { ...broken, history: { list } } as unknown as typeof broken;
    const silent = createRunCompletedReporter({ telemetry: noopTelemetry, session: counting, logger });
    silent.onRunCompleted(run);
    await silent.settled();
    expect(reads).toBe(0);
  });
});
