import type { CredentialStore, RequiredSecretsMonitor } from '../secrets/index.js';
import type { KeyVaultHealth } from './clever-auth-health.js';

/** Key Vault's part of the health report, from the store's last read and the startup validation. */
export function keyVaultHealthFrom(
  store: CredentialStore,
  monitor: RequiredSecretsMonitor | undefined,
): () => KeyVaultHealth {
  return () => {
    const status = store.status();
    const { lastReport, nextRetryAt } = monitor?.state() ?? { lastReport: undefined, nextRetryAt: undefined };
    return {
      state: store.kind === 'key-vault' ? status.state : 'not-configured',
      lastSuccessAt: status.lastSuccessAt?.toISOString() ?? null,
      lastError: status.lastError ?? null,
      validation: lastReport?.outcome ?? 'pending',
      nextRetryAt: nextRetryAt?.toISOString() ?? null,
    };
  };
}
