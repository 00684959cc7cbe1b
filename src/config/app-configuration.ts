import type { TokenCredential } from '@azure/identity';
import { parseKeyVaultSecretIdentifier, SecretClient } from '@azure/keyvault-secrets';
import { AppError } from '../errors.js';
import { registerSecret } from '../telemetry/index.js';
import type { RemoteSettingsSource } from './load.js';
import type { RawSettings } from './parse.js';

export interface AppConfigurationSourceOptions {
  /** Identity used for App Configuration and for the Key Vaults its references point to. */
  credential: TokenCredential;
  /** The provider retries within this budget before startup gives up (default 30 s). */
  startupTimeoutMs?: number;
}

/**
 * Settings from Azure App Configuration through @azure/app-configuration-provider. Keys are the
 * same names as the environment (`SYNC_PAGE_SIZE`, ...); the label is APP_CONFIG_LABEL, or
 * "no label" when unset. Key Vault references (content type keyvaultref) are resolved with the
 * same identity, so a secret can live in Key Vault and be referenced from App Configuration.
 */
export function appConfigurationSource(options: AppConfigurationSourceOptions): RemoteSettingsSource {
  return async ({ endpoint, label, keys }) => {
    // Loaded on demand: most local runs have no App Configuration and need not pay for the import.
    const { load } = await import('@azure/app-configuration-provider');
    const host = safeHost(endpoint);
    let settings: Awaited<ReturnType<typeof load>>;
    try {
      settings = await load(endpoint, options.credential, {
        selectors: [{ keyFilter: '*', labelFilter: label ?? '\0' }],
        keyVaultOptions: { secretResolver: keyVaultReferenceResolver(options.credential) },
        startupOptions: { timeoutInMs: options.startupTimeoutMs ?? 30_000 },
        // Replica discovery does DNS SRV lookups for geo-replicas this app does not use.
        replicaDiscoveryEnabled: false,
      });
    } catch (error) {
      throw appConfigurationFailure(host, error);
    }
    const values: RawSettings = {};
    for (const key of keys) {
      const value: unknown = settings.get(key);
      if (value === undefined || value === null) continue;
      values[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return values;
  };
}

/**
 * A Key Vault reference that cannot resolve (missing secret, no access). It extends TypeError on
 * purpose: the provider treats TypeErrors as input errors and fails at once instead of retrying
 * for the whole startup timeout something that will not fix itself.
 */
class UnresolvableKeyVaultReference extends TypeError {
  override name = 'UnresolvableKeyVaultReference';
}

/** Resolves `keyvaultref` values with the real SecretClient, one client per vault. */
function keyVaultReferenceResolver(credential: TokenCredential): (reference: URL) => Promise<string> {
  const clients = new Map<string, SecretClient>();
  return async (reference) => {
    const id = parseKeyVaultSecretIdentifier(reference.toString());
    const host = new URL(id.vaultUrl).host;
    let client = clients.get(host);
    if (!client) {
      client = new SecretClient(id.vaultUrl, credential);
      clients.set(host, client);
    }
    try {
      const value = (await client.getSecret(id.name, id.version ? { version: id.version } : {})).value ?? '';
      registerSecret(value);
      return value;
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      if (status === 404) {
        throw new UnresolvableKeyVaultReference(
          `Key Vault reference to secret "${id.name}" in ${host}: secret not found`,
        );
      }
      if (status === 401 || status === 403) {
        throw new UnresolvableKeyVaultReference(
          `Key Vault reference to secret "${id.name}" in ${host}: access denied (grant the identity "Key Vault Secrets User")`,
        );
      }
      throw error;
    }
  };
}

/** Names the store and the kind of failure; the SDK's own messages can carry request details, so they are not copied. */
function appConfigurationFailure(host: string, error: unknown): AppError {
  const unresolvable = findCause(error, (cause) => cause instanceof UnresolvableKeyVaultReference);
  const status = (
    findCause(error, (cause) => typeof (cause as { statusCode?: unknown }).statusCode === 'number') as
      | { statusCode: number }
      | undefined
  )?.statusCode;
  const reason = unresolvable
    ? (unresolvable as Error).message
    : status === 401 || status === 403
      ? `access denied (${status}): grant the identity "App Configuration Data Reader"`
      : 'the store could not be read in time (unreachable, or a Key Vault reference could not be resolved)';
  return new AppError('CONFIG_INVALID', `Azure App Configuration ${host}: ${reason}`, {
    httpStatus: 500,
    details: { store: host },
    cause: error,
  });
}

function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return '(invalid endpoint)';
  }
}

function findCause(error: unknown, matches: (cause: unknown) => boolean): unknown {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (matches(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
