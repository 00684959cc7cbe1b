import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncEnv, expectDatabasesMatchEmulator, type SyncEnv } from './support.js';

/**
 * A real crash: a second process runs a sync against the same SessionDb and emulator and is
 * killed with SIGKILL while schools are in flight. The next start marks what it left Running as
 * Abandoned (once its leases have expired), and the next sync completes the data.
 */
let env: SyncEnv | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await env?.dispose();
  env = undefined;
});

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

describe('crash recovery (SQLite, real second process)', () => {
  it('marks the Running rows of a killed process Abandoned on the next start', async () => {
    env = await createSyncEnv('sqlite');
    // Slow rosters keep the child's schools in flight long enough to kill it there.
    env.emulator.faults.add({ kind: 'latency', route: '/schools/{id}/users', latencyMs: 400 });
    child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, CRASH_CHILD_CONFIG: JSON.stringify(env.urls) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const { runId } = JSON.parse(line.toString()) as { runId: string };

    // Wait (by state, not by time) until the child is syncing schools, then kill it.
    let running: Awaited<ReturnType<NonNullable<typeof env>['session']['history']['list']>> = [];
    for (let i = 0; i < 200 && running.length === 0; i++) {
      running = (await env.session.history.list({ runId })).filter(
        (h) => h.status === 'Running' && h.schoolId !== null,
      );
      if (running.length === 0) await sleep(100);
    }
    expect(running.length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect((await env.session.runs.get(runId))?.status).toBe('Running');

    // The child's leases last one second; after that nobody holds its schools.
    await sleep(1_500);
    const recovered = await env.service.recoverAbandoned();
    expect(recovered.runs).toBe(1);
    expect(recovered.history).toBeGreaterThanOrEqual(running.length);
    const rows = await env.session.history.list({ runId });
    expect(rows.filter((r) => r.status === 'Running')).toEqual([]);
    expect(rows.filter((r) => r.status === 'Abandoned').length).toBe(recovered.history);
    for (const row of rows.filter((r) => r.status === 'Abandoned')) {
      expect(row.completedAt).not.toBeNull();
      expect(row.errorSummary).toMatch(/ended before it finished/);
    }
    const run = (await env.session.runs.get(runId))!;
    expect(run).toMatchObject({ status: 'Abandoned' });
    expect(run.completedAt).not.toBeNull();

    // The next run is not blocked by the dead process and leaves the data complete.
    env.emulator.faults.clear();
    const next = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(next.status).toBe('Succeeded');
    await expectDatabasesMatchEmulator(env, expect);
  });
});
