/**
 * Secrets: the CredentialStore contract, its Key Vault and environment implementations, the
 * secret naming convention (docs/key-vault.md) and the startup validation of required secrets.
 */
export { createAzureCredential } from './azure-credential.js';
export {
  type CredentialStore,
  type CredentialStoreStatus,
  SecretNotFoundError,
  SecretStoreUnavailableError,
} from './credential-store.js';
export { EnvCredentialStore } from './env-credential-store.js';
export {
  KeyVaultCredentialStore,
  type KeyVaultCredentialStoreOptions,
} from './key-vault-credential-store.js';
export {
  assertValidSecretName,
  CLEVER_CLIENT_ID_SECRET,
  CLEVER_CLIENT_SECRET_SECRET,
  DISTRICT_TOKEN_SECRET_PREFIX,
  districtTokenSecretName,
  isSecretNameSafe,
  SCHOOL_DATABASE_URL_SECRET_PREFIX,
  SESSION_DATABASE_URL_SECRET,
  schoolDatabaseUrlSecretName,
} from './secret-names.js';
export {
  RequiredSecretsMonitor,
  type RequiredSecretsMonitorOptions,
  type SecretOutcome,
  type SecretValidationReport,
} from './startup-validation.js';
