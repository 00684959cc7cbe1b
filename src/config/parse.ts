import { ConfigError } from '../errors.js';
import { redactText } from '../telemetry/index.js';
import { SECRET_SETTING_KEYS, SETTINGS, type SettingSpec, type Settings } from './settings.js';

/** Azure leaves `@Microsoft.KeyVault(...)` as the literal value when it cannot resolve the reference. */
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

export type RawSettings = Record<string, string | undefined>;

/**
 * Validates raw string settings against SETTINGS. Collects every problem before failing so an
 * operator fixes all of them in one round; a secret's value is never part of a message.
 */
export function parseSettings(raw: RawSettings): Settings {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};

  for (const [key, spec] of Object.entries(SETTINGS) as [string, SettingSpec][]) {
    const value = normalize(raw[key]);
    if (value !== undefined && KEY_VAULT_REFERENCE.test(value)) {
      problems.push(
        `${key} is an unresolved Key Vault reference (@Microsoft.KeyVault(...)): grant the Function App's identity ` +
          `"Key Vault Secrets User" on the vault and check the secret name`,
      );
      continue;
    }
    const result = spec.schema.safeParse(value);
    if (result.success) {
      parsed[key] = result.data;
      continue;
    }
    const reason = result.error.issues.map((issue) => issue.message).join('; ');
    // Non-secret values help the operator; credential-shaped parts (user:password@) are still masked.
    const shown =
      SECRET_SETTING_KEYS.has(key) || value === undefined ? '' : ` (got "${redactText(truncate(value))}")`;
    problems.push(`${key}: ${reason}${shown}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return parsed as Settings;
}

function normalize(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}
