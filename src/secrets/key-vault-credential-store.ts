import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { Logger } from '../telemetry/index.js';
import { registerSecret } from '../telemetry/index.js';
import {
  type CredentialStore,
  type CredentialStoreStatus,
  SecretNotFoundError,
  SecretStoreUnavailableError,
} from './credential-store.js';
import { assertValidSecretName } from './secret-names.js';

export interface KeyVaultCredentialStoreOptions {
  vaultUrl: string;
  credential: TokenCredential;
  /** How long a value (or the fact that a secret is missing) is kept in memory (KEY_VAULT_CACHE_TTL_SECONDS). */
  cacheTtlSeconds: number;
  logger: Logger;
  /** Retries inside the Azure SDK pipeline for one read (default 2); the startup loop retries beyond that. */
  sdkMaxRetries?: number;
  /** Abort one read after this long (default 10 s) so a hung vault cannot stall a sync. */
  requestTimeoutMs?: number;
  now?: () => number;
}

interface CacheEntry {
  value: string | undefined;
  expiresAt: number;
}

/**
 * Secrets from Azure Key Vault through the real SecretClient. Reads are cached for the TTL and
 * concurrent reads of one name share a request, because Key Vault throttles a vault at 4,000
 * reads per 10 s and a sync of hundreds of schools reads the same few secrets constantly.
 * When the vault is unreachable an expired cached value is served rather than failing a sync.
 */
export class KeyVaultCredentialStore implements CredentialStore {
  readonly kind = 'key-vault' as const;
  private readonly client: SecretClient;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly now: () => number;
  private readonly vaultHost: string;
  private lastStatus: CredentialStoreStatus = { kind: 'key-vault', state: 'unknown' };

  constructor(private readonly options: KeyVaultCredentialStoreOptions) {
    this.now = options.now ?? Date.now;
    this.vaultHost = new URL(options.vaultUrl).host;
    this.client = new SecretClient(options.vaultUrl, options.credential, {
      retryOptions: { maxRetries: options.sdkMaxRetries ?? 2 },
    });
  }

  async getSecret(name: string): Promise<string | undefined> {
    assertValidSecretName(name);
    const cached = this.cache.get(name);
    if (cached && cached.expiresAt > this.now()) return cached.value;

    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.read(name, cached).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  async requireSecret(name: string): Promise<string> {
    const value = await this.getSecret(name);
    if (value === undefined) throw new SecretNotFoundError(name, `Key Vault ${this.vaultHost}`);
    return value;
  }

  invalidate(name: string): void {
    this.cache.delete(name);
  }

  status(): CredentialStoreStatus {
    return { ...this.lastStatus };
  }

  private async read(name: string, stale: CacheEntry | undefined): Promise<string | undefined> {
    let value: string | undefined;
    try {
      const secret = await this.client.getSecret(name, {
        abortSignal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
      value = secret.value;
    } catch (error) {
      if (statusOf(error) === 404) {
        value = undefined;
      } else {
        const failure = this.unavailable(name, error);
        this.markFailure(failure);
        if (stale) {
          this.options.logger.warn(
            { event: 'keyvault.stale', secretName: name, err: failure.toJSON() },
            'Key Vault unreachable: serving the last known value',
          );
          return stale.value;
        }
        throw failure;
      }
    }
    registerSecret(value);
    this.cache.set(name, { value, expiresAt: this.now() + this.options.cacheTtlSeconds * 1000 });
    this.lastStatus = { kind: this.kind, state: 'available', lastSuccessAt: new Date(this.now()) };
    return value;
  }

  private markFailure(failure: SecretStoreUnavailableError): void {
    this.lastStatus = {
      kind: this.kind,
      state: 'unavailable',
      lastSuccessAt: this.lastStatus.lastSuccessAt,
      lastFailureAt: new Date(this.now()),
      lastError: { code: failure.code, message: failure.message },
    };
  }

  /** A message naming the vault and the kind of failure, never the SDK's request or its headers. */
  private unavailable(name: string, error: unknown): SecretStoreUnavailableError {
    const status = statusOf(error);
    const reason =
      status === 401 || status === 403
        ? `access denied (${status}): grant the app's identity "Key Vault Secrets User"`
        : status !== undefined
          ? `HTTP ${status}`
          : describeNetworkFailure(error);
    return new SecretStoreUnavailableError(
      `Key Vault ${this.vaultHost} could not be read (secret "${name}"): ${reason}`,
      { secretName: name, vault: this.vaultHost, status },
      error,
    );
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Names only: identity errors can embed token endpoints and correlation data, not worth the risk. */
function describeNetworkFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown failure';
  const code = (error as { code?: unknown }).code;
  if (error.name === 'AbortError') return 'timed out';
  if (error.name === 'CredentialUnavailableError' || error.name === 'AuthenticationError') {
    return `no Azure credential (${error.name})`;
  }
  return typeof code === 'string' ? `network error ${code}` : `${error.name}`;
}
