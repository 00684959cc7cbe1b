import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBanner, startServe } from '../../src/cli/commands/serve.js';
import { POSTGRES_URL, postgresAvailable } from '../support/postgres.js';
import { type LocalStack, startLocalStack } from './support.js';

const KEY = 'e2e-key-the-user-chose-0123456789';
/** A PostgreSQL role that does not exist: the server's error names it. */
const MISSING_USER = 'clever_sync_no_such_user';

/**
 * `npm run serve` must not hand out what it did not create or what a 500 should not carry: a
 * function key the user set themselves, and database connection details (here a user name, which
 * PostgreSQL's refusal names) in a response body.
 */
describe.skipIf(!postgresAvailable)('local runner: what its answers and banner never show', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    const url = new URL(POSTGRES_URL);
    url.username = MISSING_USER;
    stack = await startLocalStack(KEY, { SESSION_DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers a failing database with a safe 5xx body: no user name, no connection details', async () => {
    const response = await fetch(`${stack.serve.runner.url}/api/sync`, {
      method: 'POST',
      headers: { 'x-functions-key': KEY },
    });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const text = await response.text();
    expect(text).not.toContain(MISSING_USER);
    expect(text).not.toContain(new URL(POSTGRES_URL).host);
    expect(JSON.parse(text)).toEqual({
      error: {
        code: expect.stringMatching(/^DATABASE_(UNAVAILABLE|ERROR)$/),
        message: expect.stringMatching(/^A database .* \(details in the app log\)$/),
      },
    });
  });

  it('never prints a function key the user set in the environment', () => {
    expect(stack.serve.functionKeyOrigin).toBe('the LOCAL_FUNCTION_KEY environment variable');
    const banner = serveBanner(stack.serve);
    expect(banner).not.toContain(KEY);
    expect(banner).toContain('Function key: the key you set in the LOCAL_FUNCTION_KEY environment variable');
  });
});

describe('local runner banner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clever-sync-banner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function bannerFor(env: Record<string, string>, localSettings: Record<string, string>) {
    const path = join(dir, 'local.settings.json');
    writeFileSync(path, JSON.stringify({ IsEncrypted: false, Values: localSettings }));
    const serve = await startServe({
      env: {
        SESSION_DATABASE_URL: `file:${join(dir, 'session.db')}`,
        SCHOOL_DATABASE_URL_TEMPLATE: `file:${join(dir, 'school-{schoolId}.db')}`,
        LOG_LEVEL: 'warn',
        ...env,
      },
      localSettingsPath: path,
      port: 0,
      emulator: 'always',
    });
    try {
      return { banner: serveBanner(serve), key: serve.functionKey };
    } finally {
      await serve.close();
    }
  }

  it('names local.settings.json instead of printing the key set there', async () => {
    const { banner, key } = await bannerFor({}, { LOCAL_FUNCTION_KEY: KEY });
    expect(key).toBe(KEY);
    expect(banner).not.toContain(KEY);
    expect(banner).toMatch(/Function key: the key you set in LOCAL_FUNCTION_KEY in .*local\.settings\.json/);
  });

  it('prints a key it generated, once, so the session can be used', async () => {
    const { banner, key } = await bannerFor({}, {});
    expect(key).not.toBe(KEY);
    expect(banner).toContain(`Function key for this session: ${key}`);
  });

  it('says how to set $APP and $KEY, which its examples and docs/manual-sync.md use', async () => {
    const generated = await bannerFor({}, {});
    expect(generated.banner).toMatch(/^ {2}export APP=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(generated.banner).toContain(`  export KEY=${generated.key}`);
    expect(generated.banner).toContain(
      'curl -s -X POST -H "x-functions-key: $KEY" "$APP/api/sync?dryRun=true"',
    );

    const chosen = await bannerFor({}, { LOCAL_FUNCTION_KEY: KEY });
    expect(chosen.banner).toContain('export KEY=<the LOCAL_FUNCTION_KEY you set>');
    expect(chosen.banner).not.toContain(KEY);
  });

  it('names the Clever and the databases the served functions use', async () => {
    const { banner } = await bannerFor({}, {});
    expect(banner).toMatch(
      /^Clever: +the built-in emulator at http:\/\/127\.0\.0\.1:\d+ \(no Clever credentials configured\)$/m,
    );
    expect(banner).toContain(`SessionDb:        sqlite:${join(dir, 'session.db')}`);
    expect(banner).toContain(`School databases: sqlite:${join(dir, 'school-{schoolId}.db')}`);
  });

  it('on a busy port, says so and suggests --port instead of a bare EADDRINUSE', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const started = startServe({
        env: {
          SESSION_DATABASE_URL: `file:${join(dir, 'session.db')}`,
          SCHOOL_DATABASE_URL_TEMPLATE: `file:${join(dir, 'school-{schoolId}.db')}`,
          LOG_LEVEL: 'warn',
        },
        localSettingsPath: join(dir, 'none.json'),
        port,
        emulator: 'always',
      });
      await expect(started).rejects.toThrow(
        new RegExp(
          `Port ${port} on 127\\.0\\.0\\.1 is already in use .*--port <n> \\(--port 0 takes any free port\\)`,
        ),
      );
      await expect(started).rejects.not.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
