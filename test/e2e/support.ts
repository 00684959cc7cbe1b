import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServeHandle, startServe } from '../../src/cli/commands/serve.js';
import { TINY_DISTRICT } from '../functions/support/stack.js';

export interface LocalStack {
  serve: ServeHandle;
  close(): Promise<void>;
}

/**
 * `npm run serve`'s runner hosting every registered function, the Clever emulator and SQLite in a
 * temporary folder. The function modules read process.env, as in the Functions host, so each
 * test file (its own process) sets it here.
 */
export async function startLocalStack(
  functionKey: string,
  env: Record<string, string> = {},
): Promise<LocalStack> {
  const dir = mkdtempSync(join(tmpdir(), 'clever-sync-e2e-'));
  Object.assign(process.env, {
    SESSION_DATABASE_URL: `file:${join(dir, 'session.db')}`,
    SCHOOL_DATABASE_URL_TEMPLATE: `file:${join(dir, 'school-{schoolId}.db')}`,
    LOCAL_FUNCTION_KEY: functionKey,
    SYNC_HTTP_WAIT_SECONDS: '0',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const serve = await startServe({
    env: process.env,
    localSettingsPath: join(dir, 'no-local.settings.json'),
    port: 0,
    emulator: 'auto',
    emulatorOptions: TINY_DISTRICT,
  });
  return {
    serve,
    async close() {
      await serve.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
