import { ClientSecretCredential } from '@azure/identity';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { appConfigurationSource, loadConfig } from '../../src/config/index.js';
import { AppError } from '../../src/errors.js';
import {
  FAKE_APP_CONFIG_ENDPOINT,
  fakeAppConfiguration,
  KEY_VAULT_REF_CONTENT_TYPE,
} from '../support/fake-app-configuration.js';
import { FAKE_AUTHORITY, FAKE_TENANT, FAKE_VAULT_URL, fakeKeyVault } from '../support/fake-key-vault.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

const credential = () =>
  new ClientSecretCredential(FAKE_TENANT, 'app-id', 'app-credential', {
    authorityHost: FAKE_AUTHORITY,
    disableInstanceDiscovery: true,
  });

describe('Azure App Configuration source (real provider against a fake store and vault)', () => {
  it('fills settings the environment lacks, resolves Key Vault references, and loses to the environment', async () => {
    const vault = fakeKeyVault({ 'clever-client-secret': 'secret-from-key-vault-via-appconfig' });
    const store = fakeAppConfiguration([
      { key: 'SYNC_PAGE_SIZE', value: '500' },
      { key: 'SYNC_MAX_CONCURRENT_SCHOOLS', value: '9' },
      { key: 'UNRELATED_KEY', value: 'ignored' },
      {
        key: 'CLEVER_CLIENT_SECRET',
        value: JSON.stringify({ uri: `${FAKE_VAULT_URL}/secrets/clever-client-secret` }),
        contentType: KEY_VAULT_REF_CONTENT_TYPE,
      },
    ]);
    server.use(...vault.handlers, ...store.handlers);

    const config = await loadConfig({
      env: { APP_CONFIG_ENDPOINT: FAKE_APP_CONFIG_ENDPOINT, SYNC_MAX_CONCURRENT_SCHOOLS: '3' },
      remote: appConfigurationSource({ credential: credential(), startupTimeoutMs: 5_000 }),
    });
    expect(config.sync.pageSize).toBe(500);
    expect(config.sync.maxConcurrentSchools).toBe(3);
    expect(config.clever.clientSecret).toBe('secret-from-key-vault-via-appconfig');
    expect(store.requests[0]?.searchParams.get('label')).toBe('\0');
  });

  it('selects APP_CONFIG_LABEL', async () => {
    const store = fakeAppConfiguration([
      { key: 'SYNC_PAGE_SIZE', value: '200', label: 'prod' },
      { key: 'SYNC_PAGE_SIZE', value: '300' },
    ]);
    server.use(...fakeKeyVault().handlers, ...store.handlers);
    const config = await loadConfig({
      env: { APP_CONFIG_ENDPOINT: FAKE_APP_CONFIG_ENDPOINT, APP_CONFIG_LABEL: 'prod' },
      remote: appConfigurationSource({ credential: credential(), startupTimeoutMs: 5_000 }),
    });
    expect(config.sync.pageSize).toBe(200);
  });

  it('validates remote values like any other', async () => {
    const store = fakeAppConfiguration([{ key: 'SYNC_PAGE_SIZE', value: '20000' }]);
    server.use(...fakeKeyVault().handlers, ...store.handlers);
    await expect(
      loadConfig({
        env: { APP_CONFIG_ENDPOINT: FAKE_APP_CONFIG_ENDPOINT },
        remote: appConfigurationSource({ credential: credential(), startupTimeoutMs: 5_000 }),
      }),
    ).rejects.toThrow(/SYNC_PAGE_SIZE: .*10000/);
  });

  it('reports a Key Vault reference that cannot be resolved without echoing it', async () => {
    const store = fakeAppConfiguration([
      {
        key: 'CLEVER_CLIENT_SECRET',
        value: JSON.stringify({ uri: `${FAKE_VAULT_URL}/secrets/does-not-exist` }),
        contentType: KEY_VAULT_REF_CONTENT_TYPE,
      },
    ]);
    server.use(...fakeKeyVault().handlers, ...store.handlers);
    // The provider holds every failure for 5 s (its crash-loop protection): let fake time pass it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled = false;
    const pending = loadConfig({
      env: { APP_CONFIG_ENDPOINT: FAKE_APP_CONFIG_ENDPOINT },
      remote: appConfigurationSource({ credential: credential(), startupTimeoutMs: 2_000 }),
    })
      .catch((e: unknown) => e)
      .finally(() => {
        settled = true;
      });
    for (let step = 0; step < 50 && !settled; step++) await vi.advanceTimersByTimeAsync(250);
    const error = await pending;
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toBe(
      'Azure App Configuration clever-sync-test.azconfig.io: Key Vault reference to secret "does-not-exist" in ' +
        'clever-sync-test.vault.azure.net: secret not found',
    );
  });
});
