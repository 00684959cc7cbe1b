import { HttpRequest, InvocationContext } from '@azure/functions';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppServices } from '../../src/app.js';
import { cleverAuthHealthHandler, liveness } from '../../src/functions/health.js';
import { registeredFunctions } from '../../src/functions/registry.js';
import { appServicesForTest } from '../support/app-services.js';
import {
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  FAKE_TOKENS_URL,
  type FakeCleverOAuth,
  fakeCleverOAuth,
} from '../support/fake-clever-oauth.js';
import { FAKE_VAULT_URL, fakeKeyVault } from '../support/fake-key-vault.js';

const D1 = '5940d254203e37907e0000f0';
const DISTRICT_TOKEN = 'district-token-fn-health';
const server = setupServer();
let clever: FakeCleverOAuth;
let running: AppServices | undefined;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(async () => {
  await running?.dispose();
  running = undefined;
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

const request = () => new HttpRequest({ method: 'GET', url: 'http://localhost/api/health/clever-auth' });
const context = () => new InvocationContext({ invocationId: 'inv-health', functionName: 'HealthCleverAuth' });

async function start(env: Record<string, string>, startBackground = false) {
  clever = fakeCleverOAuth({ [D1]: DISTRICT_TOKEN });
  server.use(...clever.handlers);
  const { services, lines } = await appServicesForTest(
    { CLEVER_TOKENS_URL: FAKE_TOKENS_URL, LOG_LEVEL: 'debug', ...env },
    { startBackground },
  );
  running = services;
  return { services, lines, handler: cleverAuthHealthHandler(async () => services) };
}

describe('GET /api/health/clever-auth', () => {
  it('is registered with the documented routes', () => {
    const routes = registeredFunctions().map((fn) =>
      fn.kind === 'http' ? [fn.name, fn.options.route, fn.options.authLevel] : [],
    );
    // host.json routePrefix is "": the promised path, the earlier /api one, and liveness under /api.
    expect(routes).toContainEqual(['HealthCleverAuthRoot', 'health/clever-auth', 'function']);
    expect(routes).toContainEqual(['HealthCleverAuth', 'api/health/clever-auth', 'function']);
    expect(routes).toContainEqual(['HealthLive', 'api/health/live', 'anonymous']);
  });

  it('answers 200 with JSON when healthy', async () => {
    const { handler } = await start({
      CLEVER_CLIENT_ID: FAKE_CLIENT_ID,
      CLEVER_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    });
    const response = await handler(request(), context());
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(response.jsonBody).toMatchObject({
      status: 'healthy',
      districts: { count: 1 },
      keyVault: { state: 'not-configured' },
    });
  });

  it('answers 503 when authentication fails, with no secret in the body', async () => {
    const { handler } = await start({
      CLEVER_CLIENT_ID: FAKE_CLIENT_ID,
      CLEVER_CLIENT_SECRET: 'wrong-secret-abcdef',
    });
    const response = await handler(request(), context());
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({
      status: 'unhealthy',
      lastError: { code: 'CLEVER_AUTH_FAILED' },
    });
    const body = JSON.stringify(response.jsonBody);
    expect(body).not.toContain('wrong-secret-abcdef');
    expect(body).not.toContain(Buffer.from(`${FAKE_CLIENT_ID}:wrong-secret-abcdef`).toString('base64'));
  });

  it('answers 503 with the configuration problem when the app cannot start', async () => {
    const handler = cleverAuthHealthHandler(async () => {
      const { services } = await appServicesForTest({
        CLEVER_CLIENT_SECRET:
          '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/clever-client-secret)',
        SYNC_PAGE_SIZE: '20000',
      });
      return services;
    });
    const response = await handler(request(), context());
    expect(response.status).toBe(503);
    const body = response.jsonBody as { lastError: { code: string; message: string } };
    expect(body.lastError.code).toBe('CONFIG_INVALID');
    expect(body.lastError.message).toContain('CLEVER_CLIENT_SECRET is an unresolved Key Vault reference');
    expect(body.lastError.message).toContain('SYNC_PAGE_SIZE');
  });

  it('starts while Key Vault is down, reports degraded, and recovers in the background', async () => {
    const vault = fakeKeyVault({
      'clever-client-id': FAKE_CLIENT_ID,
      'clever-client-secret': FAKE_CLIENT_SECRET,
    });
    vault.down = true;
    server.use(...vault.handlers);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { services, handler, lines } = await start({ KEY_VAULT_URL: FAKE_VAULT_URL }, true);

    const first = await handler(request(), context());
    expect(first.status).toBe(200);
    expect(first.jsonBody).toMatchObject({
      status: 'degraded',
      lastError: { code: 'SECRET_STORE_UNAVAILABLE' },
      keyVault: { state: 'unavailable' },
    });
    await vi.waitFor(() => expect(services.requiredSecrets.state().lastReport?.outcome).toBe('unavailable'));

    vault.down = false;
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(services.requiredSecrets.state().lastReport?.outcome).toBe('ok'));
    await vi.advanceTimersByTimeAsync(30_000);
    await vi.waitFor(async () => {
      const response = await handler(request(), context());
      expect(response.jsonBody).toMatchObject({
        status: 'healthy',
        keyVault: { state: 'available', validation: 'ok' },
      });
    });
    const audit = lines
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.event === 'secrets.validation');
    expect(audit.map((entry) => entry.outcome)).toEqual(['unavailable', 'ok']);
    expect(lines.join('\n')).not.toContain(FAKE_CLIENT_SECRET);
  });
});

describe('GET /api/health/live', () => {
  it('answers 200 without touching any dependency', async () => {
    const response = await liveness(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/health/live' }),
      context(),
    );
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ status: 'alive' });
  });
});
