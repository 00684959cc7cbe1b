import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { AppConfig } from '../config/index.js';

/**
 * The Azure identity used for Key Vault and App Configuration: the Function App's managed identity
 * in Azure (no secret to manage), DefaultAzureCredential on a developer machine (Azure CLI login,
 * environment variables, ...). `AZURE_CREDENTIAL_KIND` forces either.
 */
export function createAzureCredential(config: AppConfig['azureCredential']): TokenCredential {
  const kind =
    config.kind === 'auto' ? (config.runningInAzure ? 'managed-identity' : 'default') : config.kind;
  const clientId = config.managedIdentityClientId;
  if (kind === 'managed-identity') {
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}
