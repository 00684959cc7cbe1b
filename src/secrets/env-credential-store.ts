import { type SecretEnvironment, secretEnvironmentVariable } from '../config/index.js';
import { registerSecret } from '../telemetry/index.js';
import { type CredentialStore, type CredentialStoreStatus, SecretNotFoundError } from './credential-store.js';
import { assertValidSecretName } from './secret-names.js';

/**
 * Secrets from environment variables (or local.settings.json), for local runs without a vault.
 * Secret `clever-district-token-5f1a` is read from `CLEVER_DISTRICT_TOKEN_5F1A`.
 */
export class EnvCredentialStore implements CredentialStore {
  readonly kind = 'environment' as const;

  constructor(private readonly lookup: SecretEnvironment) {}

  async getSecret(name: string): Promise<string | undefined> {
    assertValidSecretName(name);
    const value = this.lookup(name);
    registerSecret(value);
    return value;
  }

  async requireSecret(name: string): Promise<string> {
    const value = await this.getSecret(name);
    if (value === undefined) {
      throw new SecretNotFoundError(name, `the environment (variable ${secretEnvironmentVariable(name)})`);
    }
    return value;
  }

  invalidate(): void {}

  status(): CredentialStoreStatus {
    return { kind: this.kind, state: 'available' };
  }
}
