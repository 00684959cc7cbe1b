import { readLocalSettings } from './load.js';
import type { RawSettings } from './parse.js';

/** Looks a secret up by its Key Vault name in environment-style settings. */
export type SecretEnvironment = (secretName: string) => string | undefined;

/**
 * The environment variable that stands in for a Key Vault secret when running without a vault:
 * upper case, dashes become underscores (`clever-district-token-5f1a` -> `CLEVER_DISTRICT_TOKEN_5F1A`).
 */
export function secretEnvironmentVariable(secretName: string): string {
  return secretName.toUpperCase().replace(/-/g, '_');
}

/**
 * Secrets from the environment, then local.settings.json `Values` (as Functions Core Tools does).
 * Lives in src/config because only configuration code reads process.env.
 */
export function readSecretEnvironment(
  options: { env?: RawSettings; localSettingsPath?: string } = {},
): SecretEnvironment {
  const env = options.env ?? process.env;
  const local = options.localSettingsPath ? readLocalSettings(options.localSettingsPath) : {};
  return (secretName) => {
    const key = secretEnvironmentVariable(secretName);
    const value = env[key] ?? local[key];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
}
