/**
 * The whole app on real parts for trigger tests: the Clever emulator over HTTP, the composition
 * root (createAppServices + createSyncServices, exactly as the Functions app wires them) and
 * SQLite databases in a temporary directory. Logs are captured for assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '../../../emulator/index.js';
import {
  type AppServices,
  createAppServices,
  createSyncServices,
  type SyncServices,
} from '../../../src/app.js';
import type { RawSettings } from '../../../src/config/index.js';
import type { SyncFunctionsDeps } from '../../../src/functions/sync-deps.js';
import type { SyncLauncher } from '../../../src/runs/launcher.js';

export const TINY_DISTRICT: EmulatorOptions = {
  seed: 'trigger-tests',
  districts: 1,
  schoolsPerDistrict: 3,
  studentsPerSchool: 12,
  teachersPerSchool: 2,
  staffPerSchool: 0,
  multiSchoolShare: 0.1,
};

export interface Stack {
  emulator: EmulatorHandle;
  app: AppServices;
  services: SyncServices;
  /** Settings the app was built from (for a second app on the same databases). */
  env: RawSettings;
  dir: string;
  lines: string[];
  /** Deps for handler factories; every run they start is remembered for `settle()`. */
  deps(waitBudgetMs?: number): () => Promise<SyncFunctionsDeps>;
  /** Waits until every run started through `deps()` has ended and released its leases. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export function stackSettings(emulator: EmulatorHandle, dir: string, extra: RawSettings = {}): RawSettings {
  return {
    CLEVER_API_BASE_URL: emulator.baseUrl,
    CLEVER_TOKENS_URL: emulator.tokensUrl,
    CLEVER_CLIENT_ID: emulator.clientId,
    CLEVER_CLIENT_SECRET: emulator.clientSecret,
    SESSION_DATABASE_URL: `file:${join(dir, 'session.db')}`,
    SCHOOL_DATABASE_URL_TEMPLATE: `file:${join(dir, 'school-{schoolId}.db')}`,
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

export async function startStack(
  options: { emulator?: EmulatorOptions; env?: RawSettings } = {},
): Promise<Stack> {
  const emulator = await startEmulator(options.emulator ?? TINY_DISTRICT);
  const dir = mkdtempSync(join(tmpdir(), 'clever-sync-triggers-'));
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) } as DestinationStream;
  const env = stackSettings(emulator, dir, options.env);
  const app = await createAppServices({ env, logDestination: destination, startBackground: false });
  const services = await createSyncServices(app);
  const pending: Promise<unknown>[] = [];
  const launcher: SyncLauncher = {
    mode: services.launcher.mode,
    async launch(...args) {
      const launched = await services.launcher.launch(...args);
      if (launched.done) pending.push(launched.done);
      return launched;
    },
  };
  const settle = async () => {
    while (pending.length > 0) await Promise.allSettled(pending.splice(0));
  };
  return {
    emulator,
    app,
    services,
    env,
    dir,
    lines,
    deps:
      (waitBudgetMs = 0) =>
      async () => ({ ...services, launcher, waitBudgetMs }),
    settle,
    async close() {
      await settle();
      await services.dispose();
      await app.dispose();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for a run to end by reading its SyncRun row (no timing assumptions: it polls until done). */
export async function waitForRun(services: SyncServices, runId: string, maxPolls = 600): Promise<void> {
  for (let i = 0; i < maxPolls; i++) {
    const run = await services.session.runs.get(runId);
    if (run && run.status !== 'Running') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${runId} did not finish`);
}
