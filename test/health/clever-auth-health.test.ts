import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CleverAuthHealthCheck, type KeyVaultHealth } from '../../src/health/index.js';
import {
  createCapturingLogger,
  noopTelemetry,
  silentLogger,
  type Telemetry,
} from '../../src/telemetry/index.js';
import { authServiceForFake } from '../support/auth-service.js';
import { FAKE_CLIENT_SECRET, type FakeCleverOAuth, fakeCleverOAuth } from '../support/fake-clever-oauth.js';

const D1 = '5940d254203e37907e0000f0';
const server = setupServer();
let clever: FakeCleverOAuth;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

const vaultNotUsed = (): KeyVaultHealth => ({
  state: 'not-configured',
  lastSuccessAt: null,
  lastError: null,
  validation: 'ok',
  nextRetryAt: null,
});

function setup(
  options: {
    intervalSeconds?: number;
    settings?: Record<string, string>;
    keyVault?: () => KeyVaultHealth;
    telemetry?: Telemetry;
  } = {},
) {
  clever = fakeCleverOAuth({ [D1]: 'district-token-health-1' });
  server.use(...clever.handlers);
  const { logger, lines } = createCapturingLogger();
  const auth = authServiceForFake({ logger: silentLogger(), settings: options.settings });
  const health = new CleverAuthHealthCheck({
    auth,
    keyVault: options.keyVault ?? vaultNotUsed,
    intervalSeconds: options.intervalSeconds ?? 30,
    logger,
    telemetry: options.telemetry,
  });
  return { health, lines };
}

describe('CleverAuthHealthCheck', () => {
  it('refreshes in the background at the configured interval', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { health } = setup({ intervalSeconds: 10 });
    health.start();
    await vi.waitFor(() => expect(health.current().checkedAt).not.toBeNull());
    expect(clever.discoveryRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(clever.discoveryRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(clever.discoveryRequests).toHaveLength(2));
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.waitFor(() => expect(clever.discoveryRequests).toHaveLength(3));
    health.stop();
  });

  it('answers from the cache without calling Clever', async () => {
    const { health } = setup();
    await health.refresh();
    const before = clever.discoveryRequests.length;
    clever.failures = Array(10).fill(503);
    for (let i = 0; i < 100; i++) expect(health.current().status).toBe('healthy');
    expect(clever.discoveryRequests).toHaveLength(before);
  });

  it('reports healthy with the last successful authentication time', async () => {
    const { health } = setup();
    const report = await health.refresh();
    expect(report).toMatchObject({
      status: 'healthy',
      reasons: [],
      mode: 'district-tokens',
      lastError: null,
      districts: { count: 1, disconnected: [] },
    });
    expect(Date.parse(report.lastSuccessfulAuthenticationAt!)).toBeGreaterThan(0);
  });

  it('is unhealthy when authentication fails, keeping the last success and a sanitized error', async () => {
    const telemetryEvents: unknown[] = [];
    const telemetry = {
      ...noopTelemetry,
      trackEvent: (...args: unknown[]) => void telemetryEvents.push(args),
    };
    const { health, lines } = setup({ telemetry });
    const ok = await health.refresh();
    clever.failures = [401];
    const report = await health.refresh();
    expect(report.status).toBe('unhealthy');
    expect(report.lastError?.code).toBe('CLEVER_AUTH_FAILED');
    expect(report.lastSuccessfulAuthenticationAt).toBe(ok.lastSuccessfulAuthenticationAt);
    expect(JSON.stringify(report)).not.toContain(FAKE_CLIENT_SECRET);
    expect(JSON.stringify(report)).not.toContain('district-token-health-1');
    expect(telemetryEvents).toContainEqual([
      'CleverAuthHealthChanged',
      { from: 'healthy', to: 'unhealthy', errorCode: 'CLEVER_AUTH_FAILED' },
    ]);
    expect(lines.some((line) => line.includes('health.clever-auth.changed'))).toBe(true);
  });

  it('does not retry inside a health probe', async () => {
    const { health } = setup();
    clever.failures = [503];
    const report = await health.refresh();
    expect(report.status).toBe('unhealthy');
    expect(clever.discoveryRequests).toHaveLength(1);
  });

  it('is degraded when Key Vault is unreachable but authentication works', async () => {
    const { health } = setup({
      keyVault: () => ({ ...vaultNotUsed(), state: 'unavailable', validation: 'unavailable' }),
    });
    const report = await health.refresh();
    expect(report.status).toBe('degraded');
    expect(report.reasons).toContain('Key Vault is unreachable; cached secrets are in use');
  });

  it('is degraded when a configured district is disconnected', async () => {
    const { health } = setup({ settings: { CLEVER_DISTRICT_IDS: `${D1},gone-district` } });
    const report = await health.refresh();
    expect(report.status).toBe('degraded');
    expect(report.districts.disconnected).toEqual(['gone-district']);
  });

  it('starts refreshing on read when the cache is older than the interval', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { health } = setup({ intervalSeconds: 30 });
    await health.refresh();
    vi.setSystemTime(Date.now() + 31_000);
    health.current();
    await vi.waitFor(() => expect(clever.discoveryRequests).toHaveLength(2));
  });
});
