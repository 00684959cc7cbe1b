import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSecrets, main } from '../../scripts/validate-deployment.js';
import { describeFunction } from '../../src/functions/function-list.js';
import { registeredFunctions } from '../../src/functions/registry.js';
import {
  type FakeApp,
  type FakeAppScript,
  FUNCTION_LIST,
  HEALTHY,
  runStatus,
  startFakeFunctionApp,
} from './fake-function-app.js';

const KEY = 'Qk3vT9xZp2LmN8rW5yH1cJ6dF4gS7aB0eU-tq_Kx9w==';
const WRONG_KEY = 'wrong-4Fh2Kd9LmQ8xZr7VtB3nC6yW1pJ5sGa0-key==';

const apps: FakeApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function app(script: Partial<FakeAppScript> = {}): Promise<FakeApp> {
  const started = await startFakeFunctionApp({ key: KEY, ...script });
  apps.push(started);
  return started;
}

/** Runs the CLI in-process; the key comes from FUNCTION_KEY unless `env` says otherwise. */
async function run(args: string[], env: NodeJS.ProcessEnv = { FUNCTION_KEY: KEY }) {
  const out: string[] = [];
  const err: string[] = [];
  // No start-up grace unless a test asks for it: a degraded app fails at once.
  const code = await main(['--poll-interval-ms', '1', '--startup-grace-ms', '0', ...args], env, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  const output = [...out, ...err].join('\n');
  return { code, out: out.join('\n'), err: err.join('\n'), output };
}

const line = (output: string, check: string) =>
  output.split('\n').find((l) => l.includes(`  ${check}`)) ?? '';

describe('validate-deployment against a healthy deployment', () => {
  it('passes health, registration, a dry run polled to the end and the secret scan', async () => {
    const fake = await app({ runs: [runStatus('Running'), runStatus('Running'), runStatus('Succeeded')] });

    const result = await run(['--url', fake.url, '--dry-run-school', '5fa1b2c3d4e5f60718293a4b']);

    expect(result.code).toBe(0);
    expect(line(result.output, 'PASS  health')).toContain('healthy');
    expect(line(result.output, 'PASS  functions')).toContain('8 functions registered');
    expect(line(result.output, 'PASS  health')).toContain('last authenticated 2026-01-15T02:00:04.000Z');
    expect(line(result.output, 'PASS  dry-run')).toContain(
      'run-0001 of school 5fa1b2c3d4e5f60718293a4b Succeeded',
    );
    expect(line(result.output, 'PASS  secrets')).toContain('nothing secret-looking');
    expect(result.output).toContain('Result: OK');

    const sync = fake.requests.find((r) => r.method === 'POST');
    expect(sync?.query).toEqual({ schoolId: '5fa1b2c3d4e5f60718293a4b', dryRun: 'true' });
    expect(fake.requests.filter((r) => r.path === '/api/sync/runs/run-0001')).toHaveLength(3);
    // The key travels in the header of every request and is never printed.
    expect(fake.requests.every((r) => r.key === KEY)).toBe(true);
    expect(result.output).not.toContain(KEY);
  });

  it('accepts a run that finishes within the request (200 with the result)', async () => {
    const fake = await app({ sync: runStatus('Succeeded') });
    const result = await run(['--url', fake.url, '--dry-run-school', 'abc']);
    expect(result.code).toBe(0);
    expect(fake.requests.some((r) => r.path.startsWith('/api/sync/runs/'))).toBe(false);
  });

  it('skips the dry run when no school is given, and prints JSON on request', async () => {
    const fake = await app();
    const result = await run(['--url', `${fake.url}/`, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual([
      'health:pass',
      'functions:pass',
      'dry-run:skip',
      'secrets:pass',
    ]);
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
  });
});

describe('validate-deployment and the app', () => {
  it('accepts the functions src/functions actually registers, as GET /api/functions lists them', async () => {
    const dir = resolve(import.meta.dirname, '../../src/functions');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) await import(resolve(dir, file));
    const functions = registeredFunctions().map(describeFunction);
    const fake = await app({ functions: { status: 200, body: { functions } } });
    const result = await run(['--url', fake.url]);
    expect(line(result.output, 'PASS  functions')).toContain(`${functions.length} functions registered`);
  });
});

describe('validate-deployment right after a deploy', () => {
  it('waits out a starting app (host error page, then degraded) within the start-up grace', async () => {
    const starting = { status: 503, body: '<html><body>Function host is not running.</body></html>' };
    const degraded = {
      status: 200,
      body: { status: 'degraded', reasons: ['first authentication check pending'] },
    };
    const fake = await app({ health: [starting, degraded, degraded, HEALTHY] });
    const result = await run(['--url', fake.url, '--startup-grace-ms', '60000']);
    expect(result.code).toBe(0);
    expect(fake.requests.filter((r) => r.path === '/api/health/clever-auth')).toHaveLength(4);
  });

  it('does not wait on an unhealthy answer or a rejected key', async () => {
    const unhealthy = {
      status: 503,
      body: { status: 'unhealthy', reasons: ['Clever rejected the credentials'] },
    };
    const fake = await app({ health: [unhealthy, HEALTHY] });
    const result = await run(['--url', fake.url, '--startup-grace-ms', '60000']);
    expect(result.code).toBe(1);
    expect(fake.requests.filter((r) => r.path === '/api/health/clever-auth')).toHaveLength(1);

    const other = await app();
    const wrong = await run(['--url', other.url, '--startup-grace-ms', '60000'], { FUNCTION_KEY: WRONG_KEY });
    expect(wrong.code).toBe(1);
    expect(other.requests).toHaveLength(1);
  });
});

describe('validate-deployment fails clearly', () => {
  it('when Clever auth is unhealthy (503), with the reason from the health body', async () => {
    const fake = await app({
      health: {
        status: 503,
        body: {
          status: 'unhealthy',
          lastError: { message: 'Clever rejected the client credentials (HTTP 401)' },
        },
      },
    });
    const result = await run(['--url', fake.url, '--dry-run-school', 'abc']);
    expect(result.code).toBe(1);
    expect(line(result.output, 'FAIL  health')).toContain(
      'Clever authentication is unhealthy (HTTP 503): Clever rejected the client credentials (HTTP 401)',
    );
    expect(line(result.output, 'SKIP  dry-run')).toContain('health did not pass');
    expect(result.err).toContain('Result: FAILED (1 of 4 checks failed)');
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('when the function key is wrong, without printing it', async () => {
    const fake = await app();
    const result = await run(['--url', fake.url, '--dry-run-school', 'abc'], { FUNCTION_KEY: WRONG_KEY });
    expect(result.code).toBe(1);
    expect(line(result.output, 'FAIL  health')).toContain('the app rejected the function key (HTTP 401');
    expect(line(result.output, 'SKIP  functions')).toContain('skipped after an earlier failure');
    expect(fake.requests).toHaveLength(1);
    expect(result.output).not.toContain(WRONG_KEY);
  });

  it('when health is degraded, unless --allow-degraded', async () => {
    const fake = await app({
      health: { status: 200, body: { status: 'degraded', lastError: 'Key Vault unreachable' } },
    });
    const strict = await run(['--url', fake.url]);
    expect(strict.code).toBe(1);
    expect(line(strict.output, 'FAIL  health')).toContain(
      'degraded: Key Vault unreachable (pass --allow-degraded',
    );
    const lenient = await run(['--url', fake.url, '--allow-degraded']);
    expect(lenient.code).toBe(0);
  });

  it('when the timer or the manual sync function is not registered', async () => {
    const body = FUNCTION_LIST.body as { functions: Array<{ trigger: string; route?: string }> };
    const fake = await app({
      functions: {
        status: 200,
        body: body.functions.filter((fn) => fn.trigger !== 'timer' && fn.route !== '/api/sync'),
      },
    });
    const result = await run(['--url', fake.url]);
    expect(result.code).toBe(1);
    expect(line(result.output, 'FAIL  functions')).toBe(
      '  FAIL  functions not registered: the nightly sync timer (timer trigger); manual sync (POST /api/sync)',
    );
  });

  it('when the manual sync API is anonymous', async () => {
    const body = FUNCTION_LIST.body as { functions: Array<Record<string, unknown>> };
    const functions = body.functions.map((fn) =>
      fn.route === '/api/sync' ? { ...fn, authLevel: 'anonymous' } : fn,
    );
    const fake = await app({ functions: { status: 200, body: { functions } } });
    const result = await run(['--url', fake.url]);
    expect(line(result.output, 'FAIL  functions')).toContain('POST /api/sync is anonymous');
  });

  it('when the build has no function listing route', async () => {
    const fake = await app({
      functions: { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route' } } },
    });
    const result = await run(['--url', fake.url]);
    expect(result.code).toBe(1);
    expect(line(result.output, 'FAIL  functions')).toContain('GET /api/functions was not found (HTTP 404)');
  });

  it('when the dry run fails, is already running, or was not a dry run', async () => {
    const failed = await app({
      runs: [runStatus('Failed', { error: 'Clever returned 404 for the school' })],
    });
    const r1 = await run(['--url', failed.url, '--dry-run-school', 'abc']);
    expect(r1.code).toBe(1);
    expect(line(r1.output, 'FAIL  dry-run')).toContain('ended Failed: Clever returned 404 for the school');

    const busy = await app({
      sync: { status: 409, body: { runId: 'run-0042', message: 'already running' } },
    });
    const r2 = await run(['--url', busy.url, '--dry-run-school', 'abc']);
    expect(line(r2.output, 'FAIL  dry-run')).toContain('already running (run run-0042)');

    const wet = await app({ runs: [runStatus('Succeeded', { dryRun: false })] });
    const r3 = await run(['--url', wet.url, '--dry-run-school', 'abc']);
    expect(line(r3.output, 'FAIL  dry-run')).toContain('was not a dry run');
  });

  it('when the dry run does not finish in time', async () => {
    const fake = await app({ runs: [runStatus('Running')] });
    const result = await run(['--url', fake.url, '--dry-run-school', 'abc', '--timeout-ms', '30']);
    expect(result.code).toBe(1);
    expect(line(result.output, 'FAIL  dry-run')).toContain('run run-0001 still Running after');
  });

  it('never sends the key to a statusUrl or redirect on another host', async () => {
    const elsewhere = await app();
    const fake = await app({
      sync: { status: 202, body: { runId: 'run-1', statusUrl: `${elsewhere.url}/api/sync/runs/run-1` } },
    });
    const result = await run(['--url', fake.url, '--dry-run-school', 'abc']);
    expect(line(result.output, 'FAIL  dry-run')).toContain('statusUrl points to another host');

    const redirecting = await app({
      health: { status: 302, headers: { location: `${elsewhere.url}/login` } },
    });
    const redirected = await run(['--url', redirecting.url]);
    expect(line(redirected.output, 'FAIL  health')).toContain('redirected (HTTP 302)');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('when a response body contains something that looks like a secret, without echoing it', async () => {
    const token = 'ilcsd8Hl2bXpQmVt0ZkR4wYn6uFjA1sE9oTc3gLr';
    const fake = await app({
      health: {
        status: 200,
        body: { status: 'healthy', debug: { headers: { Authorization: `Bearer ${token}` } } },
      },
      functions: { status: 200, body: { ...(FUNCTION_LIST.body as object), hostKey: KEY } },
    });
    const result = await run(['--url', fake.url]);
    expect(result.code).toBe(1);
    const secrets = line(result.output, 'FAIL  secrets');
    expect(secrets).toContain('GET /api/health/clever-auth: a bearer token');
    expect(secrets).toContain('GET /api/functions: the function key');
    expect(result.output).not.toContain(token);
    expect(result.output).not.toContain(KEY);
  });

  it('when the app cannot be reached', async () => {
    const fake = await app();
    const url = fake.url;
    await fake.close();
    apps.splice(apps.indexOf(fake), 1);
    const result = await run(['--url', url]);
    expect(result.code).toBe(1);
    expect(line(result.output, 'FAIL  health')).toContain(`could not reach ${url}`);
  });
});

describe('validate-deployment usage', () => {
  it('requires a key and a usable URL (exit code 2)', async () => {
    expect((await run(['--url', 'https://example.test'], {})).code).toBe(2);
    const noKey = await run(['--url', 'https://example.test'], {});
    expect(noKey.err).toContain('no function key: set FUNCTION_KEY');

    const keyInUrl = await run(['--url', `https://example.test/?code=${KEY}`]);
    expect(keyInUrl.code).toBe(2);
    expect(keyInUrl.err).toContain('never in the URL');
    expect(keyInUrl.output).not.toContain(KEY);

    expect((await run([])).code).toBe(2);
    expect((await run(['--url', 'ftp://example.test'])).code).toBe(2);
  });

  it('takes --key, with a hint that the environment variable is safer', async () => {
    const fake = await app();
    const result = await run(['--url', fake.url, '--key', KEY], {});
    expect(result.code).toBe(0);
    expect(result.err).toContain('prefer the FUNCTION_KEY environment variable');
    expect(result.output).not.toContain(KEY);
  });

  it('runs as a script: the exit code says whether the deployment passed', async () => {
    // One process start is enough: main() is tested in-process above; this proves the wiring.
    const fake = await app();
    const script = resolve(import.meta.dirname, '../../scripts/validate-deployment.ts');
    const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', script, '--url', fake.url, '--startup-grace-ms', '0'],
        {
          env: { ...process.env, FUNCTION_KEY: WRONG_KEY },
        },
      );
      let text = '';
      child.stdout.on('data', (chunk) => {
        text += chunk;
      });
      child.stderr.on('data', (chunk) => {
        text += chunk;
      });
      child.on('close', (exitCode) => done({ code: exitCode, output: text }));
    });
    expect(code).toBe(1);
    expect(output).toContain('rejected the function key');
    expect(output).not.toContain(WRONG_KEY);
  });
});

describe('findSecrets', () => {
  it.each([
    ['a bearer token', '{"h":"Bearer 0123456789abcdef0123456789abcdef01234567"}'],
    [
      'a JSON web token',
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ],
    [
      'a password in a connection string',
      'Server=tcp:x.database.windows.net;User ID=app;Password=Hunter2!x;',
    ],
    ['credentials in a URL', '"url":"postgresql://sync:s3cr3tpass@db.internal:5432/session"'],
    [
      'a storage account key',
      'DefaultEndpointsProtocol=https;AccountName=st;AccountKey=aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ==',
    ],
    [
      'a shared access signature',
      'https://st.blob.core.windows.net/c/b?sv=2022-11-02&sig=abcdEFGH1234ijklMNOP5678%3D',
    ],
    [
      'an Application Insights key',
      'InstrumentationKey=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0;IngestionEndpoint=x',
    ],
    ['a function key in a URL', 'GET /api/sync?code=Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcg== 200'],
    ['a filled-in "client_secret" field', '{"client_secret":"9f8e7d6c5b4a39281706"}'],
    ['a filled-in "accessToken" field', '{"district":"x","accessToken":"a1b2c3d4e5f6a7b8c9d0"}'],
  ])('finds %s', (what, text) => {
    expect(findSecrets(text)).toContain(what);
  });

  it.each([
    ['a healthy body', '{"status":"healthy","lastSuccessfulAuthAt":"2026-01-15T02:00:04.000Z"}'],
    ['redacted values', '{"authorization":"[REDACTED]","client_secret":"***","password":"<redacted>"}'],
    ['secret names', '{"secret":"clever-client-secret","missing":["school-database-url-5fa1b2c3"]}'],
    ['states', '{"token":"not configured","authorization":"missing"}'],
    [
      'a passwordless database URL',
      'sqlserver://sql-x.database.windows.net:1433;database=SessionDb;encrypt=true;authentication=DefaultAzureCredential',
    ],
    [
      'ids and run URLs',
      '{"runId":"0b7c6d5e-4f3a-2b1c-0d9e-8f7a6b5c4d3e","statusUrl":"/api/sync/runs/0b7c6d5e"}',
    ],
    ['prose', 'Clever rejected the client credentials (HTTP 401); Bearer token missing'],
  ])('ignores %s', (_what, text) => {
    expect(findSecrets(text)).toEqual([]);
  });

  it('finds a known secret value anywhere', () => {
    expect(findSecrets(`prefix${KEY}suffix`, [KEY])).toEqual(['the function key']);
  });
});
