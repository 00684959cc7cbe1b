import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  RequiredSecretsMonitor,
  SecretNotFoundError,
  SecretStoreUnavailableError,
} from '../../src/secrets/index.js';
import { createCapturingLogger, silentLogger } from '../../src/telemetry/index.js';
import { type FakeKeyVault, fakeKeyVault } from '../support/fake-key-vault.js';
import { keyVaultStoreForFake } from '../support/key-vault-store.js';

const SECRET = 'kv-clever-secret-value-123';
const server = setupServer();
let vault: FakeKeyVault;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

function useVault(
  secrets: Record<string, string> = { 'clever-client-secret': SECRET, 'clever-client-id': 'client-1' },
) {
  vault = fakeKeyVault(secrets);
  server.use(...vault.handlers);
  return vault;
}

describe('KeyVaultCredentialStore (real SecretClient against a fake vault)', () => {
  it('authenticates through the 401 challenge and reads a secret', async () => {
    useVault();
    const store = keyVaultStoreForFake({ logger: silentLogger() });
    expect(await store.requireSecret('clever-client-secret')).toBe(SECRET);
    expect(vault.tokenRequests).toBe(1);
    expect(store.status()).toMatchObject({ kind: 'key-vault', state: 'available' });
  });

  it('serves repeated reads from the cache until the TTL passes', async () => {
    useVault();
    let now = 1_000_000;
    const store = keyVaultStoreForFake({ logger: silentLogger(), cacheTtlSeconds: 60, now: () => now });
    await store.getSecret('clever-client-secret');
    await store.getSecret('clever-client-secret');
    now += 59_000;
    await store.getSecret('clever-client-secret');
    expect(vault.reads.get('clever-client-secret')).toBe(1);
    now += 2_000;
    vault.secrets.set('clever-client-secret', 'rotated-secret-value');
    expect(await store.getSecret('clever-client-secret')).toBe('rotated-secret-value');
    expect(vault.reads.get('clever-client-secret')).toBe(2);
  });

  it('shares one vault read among concurrent callers', async () => {
    useVault();
    const store = keyVaultStoreForFake({ logger: silentLogger() });
    const values = await Promise.all(Array.from({ length: 20 }, () => store.getSecret('clever-client-id')));
    expect(new Set(values)).toEqual(new Set(['client-1']));
    expect(vault.reads.get('clever-client-id')).toBe(1);
  });

  it('reports a missing secret clearly and caches its absence', async () => {
    useVault();
    const store = keyVaultStoreForFake({ logger: silentLogger() });
    expect(await store.getSecret('clever-district-token-abc')).toBeUndefined();
    const error = await store.requireSecret('clever-district-token-abc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toBe(
      'Secret "clever-district-token-abc" was not found in Key Vault clever-sync-test.vault.azure.net',
    );
    expect(vault.reads.get('clever-district-token-abc')).toBe(1);
  });

  it('rejects names Key Vault would refuse before calling it', async () => {
    useVault();
    const store = keyVaultStoreForFake({ logger: silentLogger() });
    await expect(store.getSecret('school_database_url')).rejects.toThrow(/not a valid Key Vault secret name/);
  });

  it('fails with a transient, sanitized error when the vault is down, and serves a stale value if it has one', async () => {
    useVault();
    let now = 0;
    const { logger, lines } = createCapturingLogger();
    const store = keyVaultStoreForFake({ logger, cacheTtlSeconds: 1, now: () => now });
    await store.getSecret('clever-client-secret');
    vault.down = true;
    now += 5_000;
    expect(await store.getSecret('clever-client-secret')).toBe(SECRET);
    expect(store.status().state).toBe('unavailable');
    expect(lines.join('\n')).toContain('keyvault.stale');

    const error = await store.getSecret('clever-client-id').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStoreUnavailableError);
    expect((error as SecretStoreUnavailableError).transient).toBe(true);
    expect((error as Error).message).toMatch(
      /Key Vault clever-sync-test\.vault\.azure\.net could not be read/,
    );
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('maps access denied to an actionable message', async () => {
    useVault();
    const { http, HttpResponse } = await import('msw');
    server.use(
      http.get('https://clever-sync-test.vault.azure.net/secrets/:name/', ({ request }) =>
        request.headers.get('authorization')
          ? HttpResponse.json({ error: { code: 'Forbidden', message: 'denied' } }, { status: 403 })
          : undefined,
      ),
    );
    const store = keyVaultStoreForFake({ logger: silentLogger() });
    await expect(store.getSecret('clever-client-id')).rejects.toThrow(
      /access denied \(403\).*Key Vault Secrets User/,
    );
  });
});

describe('RequiredSecretsMonitor', () => {
  it('audits the startup validation with names and outcomes, never values', async () => {
    useVault();
    const { logger, lines } = createCapturingLogger();
    const store = keyVaultStoreForFake({ logger });
    const monitor = new RequiredSecretsMonitor({
      store,
      required: ['clever-client-id', 'clever-client-secret', 'session-database-url'],
      logger,
      retry: { initialDelayMs: 1_000, maxDelayMs: 8_000 },
    });
    const report = await monitor.start();
    expect(report.outcome).toBe('missing');
    expect(report.secrets).toEqual([
      { name: 'clever-client-id', outcome: 'present' },
      { name: 'clever-client-secret', outcome: 'present' },
      { name: 'session-database-url', outcome: 'missing' },
    ]);
    const audit = lines.map((line) => JSON.parse(line)).find((entry) => entry.event === 'secrets.validation');
    expect(audit).toMatchObject({ audit: true, store: 'key-vault', outcome: 'missing', attempt: 1 });
    expect(typeof audit.at).toBe('string');
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain('client-1');
    monitor.stop();
  });

  it('lets the app start while the vault is down and recovers in the background with backoff', async () => {
    useVault();
    vault.down = true;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { logger, lines } = createCapturingLogger();
    const store = keyVaultStoreForFake({ logger });
    const monitor = new RequiredSecretsMonitor({
      store,
      required: ['clever-client-secret'],
      logger,
      retry: { initialDelayMs: 1_000, maxDelayMs: 8_000 },
    });

    const first = await monitor.start();
    expect(first.outcome).toBe('unavailable');
    const firstRetryAt = monitor.state().nextRetryAt!.getTime() - first.at.getTime();
    expect(firstRetryAt).toBe(1_000);

    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(monitor.state().lastReport?.attempt).toBe(2));
    expect(monitor.state().lastReport?.outcome).toBe('unavailable');
    expect(monitor.state().nextRetryAt!.getTime() - monitor.state().lastReport!.at.getTime()).toBe(2_000);

    vault.down = false;
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.waitFor(() => expect(monitor.state().lastReport?.outcome).toBe('ok'));
    expect(monitor.state().nextRetryAt).toBeUndefined();
    expect(store.status().state).toBe('available');
    const outcomes = lines
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.event === 'secrets.validation')
      .map((entry) => entry.outcome);
    expect(outcomes).toEqual(['unavailable', 'unavailable', 'ok']);
    monitor.stop();
  });
});
