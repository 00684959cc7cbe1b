import { ClientSecretCredential } from '@azure/identity';
import { KeyVaultCredentialStore } from '../../src/secrets/index.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { FAKE_AUTHORITY, FAKE_TENANT, FAKE_VAULT_URL } from './fake-key-vault.js';

/** A real SecretClient + real Entra ID credential pointed at the msw fakes of fake-key-vault.ts. */
export function keyVaultStoreForFake(options: {
  logger: Logger;
  cacheTtlSeconds?: number;
  now?: () => number;
}): KeyVaultCredentialStore {
  const credential = new ClientSecretCredential(FAKE_TENANT, 'test-app-id', 'test-app-credential', {
    authorityHost: FAKE_AUTHORITY,
    disableInstanceDiscovery: true,
  });
  return new KeyVaultCredentialStore({
    vaultUrl: FAKE_VAULT_URL,
    credential,
    cacheTtlSeconds: options.cacheTtlSeconds ?? 300,
    logger: options.logger,
    // The SDK's own retries would only slow the "vault down" tests; the store's callers retry.
    sdkMaxRetries: 0,
    now: options.now,
  });
}
