import type { AppConfig } from '../../config/index.js';
import { toLogObject } from '../../errors.js';
import type { CredentialStore } from '../../secrets/index.js';
import { districtTokenSecretName, isSecretNameSafe } from '../../secrets/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { CleverHttpClients } from '../http/index.js';
import { createRetryPolicy, logRetry, type RetryingPolicy } from '../http/index.js';
import { basicAuthorization, type ClientCredentialsSource } from './client-credentials.js';
import { listDistrictIds } from './district-listing.js';
import { credentialsNotConfigured, districtDisconnected, tokenStillRejected } from './errors.js';
import { requestClientCredentialsToken } from './oauth-client-credentials.js';
import { SingleFlight } from './single-flight.js';
import { type DiscoveredToken, discoverDistrictTokens } from './token-discovery.js';
import type { CleverTokenProvider, DistrictToken } from './token-provider.js';

export interface CleverAuthServiceOptions {
  clever: AppConfig['clever'];
  httpClients: CleverHttpClients;
  credentials: ClientCredentialsSource;
  /** Source of optional per-district tokens (`clever-district-token-<id>`). */
  credentialStore?: CredentialStore;
  logger: Logger;
  now?: () => number;
}

/** What the health check reports after probing authentication. */
export interface AuthCheckResult {
  mode: AppConfig['clever']['authMode'];
  districtCount: number | undefined;
  disconnectedDistricts: string[];
}

interface AppToken {
  accessToken: string;
  scopes: string[];
  expiresAt: number | undefined;
  /** Proactive refresh point: CLEVER_TOKEN_REFRESH_FRACTION of the lifetime. */
  refreshAt: number;
  /** Never handed out after this (a margin before expiry so a request does not carry a dying token). */
  usableUntil: number;
}

/** Clock skew and in-flight margin before a token's real expiry: 30 s, or 10% of short lifetimes. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * Clever authentication (docs/configuration.md, "Clever access").
 *
 * `district-tokens` (real Clever): district-app tokens are discovered with
 * `GET {CLEVER_TOKENS_URL}?owner_type=district` (HTTP Basic client id/secret) and keyed by
 * `owner.id`; a token stored as `clever-district-token-<id>` takes precedence. They never expire;
 * after a 401 the district is looked up again once (Clever rotates tokens) and then fails clearly.
 *
 * `client-credentials` (gateways): one OAuth 2.0 client_credentials token for the app, refreshed
 * at CLEVER_TOKEN_REFRESH_FRACTION of its lifetime and never handed out once expired.
 *
 * Concurrent callers share one request per district (or per app token). Tokens are never logged.
 */
export class CleverAuthService implements CleverTokenProvider {
  private readonly districtTokens = new Map<string, DistrictToken>();
  private readonly districtFlights = new SingleFlight<DistrictToken>();
  private readonly appTokenFlight = new SingleFlight<AppToken>();
  private appToken: AppToken | undefined;
  private disconnected = new Set<string>();
  private readonly retrying: RetryingPolicy;
  /** The health probe reports the current state; it must not wait through a minute of backoff. */
  private readonly singleAttempt: RetryingPolicy;
  private readonly now: () => number;

  constructor(private readonly options: CleverAuthServiceOptions) {
    this.now = options.now ?? Date.now;
    this.retrying = createRetryPolicy({
      schedule: options.clever.retry,
      onRetry: logRetry(options.logger, 'clever.auth'),
    });
    this.singleAttempt = createRetryPolicy({ schedule: { ...options.clever.retry, count: 0 } });
  }

  get mode(): AppConfig['clever']['authMode'] {
    return this.options.clever.authMode;
  }

  async listDistricts(): Promise<DistrictToken[]> {
    return this.collectDistricts(this.retrying);
  }

  async getToken(districtId: string): Promise<string> {
    if (this.mode === 'client-credentials') return (await this.ensureAppToken(this.retrying)).accessToken;
    const cached = this.districtTokens.get(districtId);
    if (cached) return cached.accessToken;
    const token = await this.districtFlights.run(districtId, () =>
      this.lookUpDistrict(districtId, undefined),
    );
    return token.accessToken;
  }

  async refreshAfterUnauthorized(districtId: string, rejectedToken: string): Promise<string> {
    if (this.mode === 'client-credentials') return this.refreshAppToken(rejectedToken);
    const current = this.districtTokens.get(districtId);
    if (current && current.accessToken !== rejectedToken) return current.accessToken;
    const token = await this.districtFlights.run(`refresh:${districtId}`, async () => {
      const meanwhile = this.districtTokens.get(districtId);
      if (meanwhile && meanwhile.accessToken !== rejectedToken) return meanwhile;
      this.options.credentialStore?.invalidate(districtTokenSecretName(districtId));
      return this.lookUpDistrict(districtId, rejectedToken);
    });
    return token.accessToken;
  }

  /**
   * Districts configured, listed earlier or known to SessionDb that have no token now (for health
   * and sync reports).
   */
  disconnectedDistricts(): string[] {
    return [...this.disconnected];
  }

  /** One authentication round without retries, for the health check. */
  async checkAuthentication(): Promise<AuthCheckResult> {
    if (this.mode === 'client-credentials') {
      await this.ensureAppToken(this.singleAttempt);
      return {
        mode: this.mode,
        districtCount: this.options.clever.districtIds?.length,
        disconnectedDistricts: [],
      };
    }
    const districts = await this.collectDistricts(this.singleAttempt);
    return {
      mode: this.mode,
      districtCount: districts.length,
      disconnectedDistricts: this.disconnectedDistricts(),
    };
  }

  // ---- district-tokens mode ----

  private async collectDistricts(policy: RetryingPolicy): Promise<DistrictToken[]> {
    if (this.mode === 'client-credentials') return this.listClientCredentialDistricts(policy);
    const configured = this.options.clever.districtIds;
    const credentials = await this.options.credentials();
    if (!credentials && !configured) throw credentialsNotConfigured();
    const discovered = credentials ? await this.discover(policy, basicAuthorization(credentials)) : [];
    const byId = new Map(discovered.map((token) => [token.districtId, token]));

    // Districts this app knew (listed earlier in this process, or in SessionDb) that Clever no longer
    // lists have disconnected; with CLEVER_DISTRICT_IDS only the configured ones are looked at.
    const known = configured ? [] : [...this.districtTokens.keys(), ...(await this.knownDistrictIdsSafely())];
    const result: DistrictToken[] = [];
    const disconnected: string[] = [...new Set(known.filter((districtId) => !byId.has(districtId)))];
    for (const districtId of configured ?? [...byId.keys()]) {
      const token = await this.tokenFrom(districtId, byId.get(districtId));
      if (token) {
        this.districtTokens.set(districtId, token);
        result.push(token);
      } else {
        this.districtTokens.delete(districtId);
        disconnected.push(districtId);
      }
    }
    for (const known of this.districtTokens.keys()) {
      if (!result.some((token) => token.districtId === known)) this.districtTokens.delete(known);
    }
    const before = this.disconnected;
    this.disconnected = new Set(disconnected);
    // Once per district and process: the health check lists districts every HEALTH_CACHE_INTERVAL_SECONDS.
    for (const districtId of this.disconnected) {
      if (before.has(districtId)) continue;
      this.options.logger.warn(
        { event: 'clever.district.disconnected', districtId },
        districtDisconnected(districtId).message,
      );
    }
    this.options.logger.info(
      {
        event: 'clever.districts.listed',
        districtCount: result.length,
        disconnectedCount: disconnected.length,
      },
      'Clever district tokens listed',
    );
    return result;
  }

  /** A stored token wins over a discovered one; a store outage falls back to discovery. */
  private async tokenFrom(
    districtId: string,
    discovered: DiscoveredToken | undefined,
  ): Promise<DistrictToken | undefined> {
    let stored: string | undefined;
    try {
      stored = await this.storedToken(districtId);
    } catch (error) {
      if (!discovered) throw error;
      this.options.logger.warn(
        { event: 'clever.token.store-unavailable', districtId, err: toLogObject(error) },
        'Credential store unavailable; using the discovered district token',
      );
    }
    if (stored) return { districtId, accessToken: stored, scopes: [], source: 'credential-store' };
    if (discovered) return { ...discovered, source: 'discovery' };
    return undefined;
  }

  private async storedToken(districtId: string): Promise<string | undefined> {
    // An id that cannot name a Key Vault secret (a typo in CLEVER_DISTRICT_IDS) has no stored token:
    // that district is reported as not connected; the others go on.
    if (!isSecretNameSafe(districtId)) return undefined;
    return this.options.credentialStore?.getSecret(districtTokenSecretName(districtId));
  }

  /**
   * Where districts known from earlier runs come from (SessionDb), so a district that disconnected
   * is reported as such by every process, not only the one that last listed it.
   */
  useKnownDistricts(source: () => Promise<string[]>): void {
    this.knownDistrictIds = source;
  }

  private knownDistrictIds: (() => Promise<string[]>) | undefined;

  private async knownDistrictIdsSafely(): Promise<string[]> {
    if (!this.knownDistrictIds) return [];
    try {
      return await this.knownDistrictIds();
    } catch (error) {
      this.options.logger.debug({ err: toLogObject(error) }, 'known districts unavailable');
      return [];
    }
  }

  /**
   * Finds the district's token (stored, then `&district=<id>` discovery), skipping `rejected`.
   * Throws DISCONNECTED when Clever does not list the district, AUTH_FAILED when only the rejected token exists.
   */
  private async lookUpDistrict(districtId: string, rejected: string | undefined): Promise<DistrictToken> {
    const candidates: DistrictToken[] = [];
    let storeFailure: unknown;
    try {
      const stored = await this.storedToken(districtId);
      if (stored)
        candidates.push({ districtId, accessToken: stored, scopes: [], source: 'credential-store' });
    } catch (error) {
      storeFailure = error;
    }
    const fresh = candidates.find((token) => token.accessToken !== rejected);
    if (fresh) return this.remember(fresh, rejected);

    const credentials = await this.options.credentials();
    if (!credentials) {
      if (storeFailure) throw storeFailure;
      if (candidates.length > 0) throw tokenStillRejected(districtId);
      throw credentialsNotConfigured();
    }
    const discovered = (await this.discover(this.retrying, basicAuthorization(credentials), districtId)).find(
      (token) => token.districtId === districtId,
    );
    if (discovered) candidates.push({ ...discovered, source: 'discovery' });
    const usable = candidates.find((token) => token.accessToken !== rejected);
    if (usable) return this.remember(usable, rejected);
    if (candidates.length > 0) throw tokenStillRejected(districtId);

    this.districtTokens.delete(districtId);
    this.disconnected.add(districtId);
    throw districtDisconnected(districtId);
  }

  private remember(token: DistrictToken, rejected: string | undefined): DistrictToken {
    this.districtTokens.set(token.districtId, token);
    this.disconnected.delete(token.districtId);
    if (rejected) {
      this.options.logger.info(
        { event: 'clever.token.rotated', districtId: token.districtId, source: token.source },
        'Clever district token looked up again after a 401',
      );
    }
    return token;
  }

  private discover(
    policy: RetryingPolicy,
    authorization: string,
    districtId?: string,
  ): Promise<DiscoveredToken[]> {
    const tokensUrl = this.options.clever.tokensUrl;
    return discoverDistrictTokens({
      client: this.options.httpClients.forUrl(tokensUrl),
      tokensUrl,
      authorization,
      policy,
      districtId,
    });
  }

  // ---- client-credentials mode ----

  private async ensureAppToken(policy: RetryingPolicy): Promise<AppToken> {
    const current = this.appToken;
    const now = this.now();
    if (current && now < current.refreshAt) return current;
    if (current && now < current.usableUntil) {
      try {
        return await this.appTokenFlight.run('app', () => this.requestAppToken(policy));
      } catch (error) {
        // Refreshing early is a courtesy; the current token is still valid for a while.
        this.options.logger.warn(
          { event: 'clever.token.refresh-failed', err: toLogObject(error) },
          'Proactive token refresh failed; using the current token until it expires',
        );
        return current;
      }
    }
    return this.appTokenFlight.run('app', () => this.requestAppToken(policy));
  }

  private async refreshAppToken(rejectedToken: string): Promise<string> {
    const current = this.appToken;
    if (current && current.accessToken !== rejectedToken) return current.accessToken;
    const token = await this.appTokenFlight.run('app', () => this.requestAppToken(this.retrying));
    if (token.accessToken === rejectedToken) throw tokenStillRejected(undefined);
    return token.accessToken;
  }

  private async requestAppToken(policy: RetryingPolicy): Promise<AppToken> {
    const credentials = await this.options.credentials();
    if (!credentials) throw credentialsNotConfigured();
    const requestedAt = this.now();
    const tokenUrl = this.options.clever.tokensUrl;
    const issued = await requestClientCredentialsToken({
      client: this.options.httpClients.forUrl(tokenUrl),
      tokenUrl,
      authorization: basicAuthorization(credentials),
      policy,
    });
    const token = toAppToken(issued, requestedAt, this.options.clever.tokenRefreshFraction);
    this.appToken = token;
    this.options.logger.info(
      { event: 'clever.token.issued', expiresInSeconds: issued.expiresInSeconds },
      'Clever access token obtained (client_credentials)',
    );
    return token;
  }

  private async listClientCredentialDistricts(policy: RetryingPolicy): Promise<DistrictToken[]> {
    const token = await this.ensureAppToken(policy);
    const ids =
      this.options.clever.districtIds ??
      (await listDistrictIds({
        client: this.options.httpClients.forUrl(this.options.clever.apiBaseUrl),
        apiBaseUrl: this.options.clever.apiBaseUrl,
        apiVersion: this.options.clever.apiVersion,
        accessToken: token.accessToken,
        policy,
      }));
    return ids.map((districtId) => ({
      districtId,
      accessToken: token.accessToken,
      scopes: token.scopes,
      source: 'client-credentials' as const,
      ...(token.expiresAt === undefined ? {} : { expiresAt: new Date(token.expiresAt) }),
    }));
  }
}

function toAppToken(
  issued: { accessToken: string; expiresInSeconds: number | undefined; scopes: string[] },
  requestedAt: number,
  refreshFraction: number,
): AppToken {
  if (issued.expiresInSeconds === undefined) {
    return {
      accessToken: issued.accessToken,
      scopes: issued.scopes,
      expiresAt: undefined,
      refreshAt: Number.POSITIVE_INFINITY,
      usableUntil: Number.POSITIVE_INFINITY,
    };
  }
  // Lifetimes count from when the request left, so slow token endpoints cannot stretch them.
  const lifetimeMs = issued.expiresInSeconds * 1000;
  return {
    accessToken: issued.accessToken,
    scopes: issued.scopes,
    expiresAt: requestedAt + lifetimeMs,
    refreshAt: requestedAt + lifetimeMs * refreshFraction,
    usableUntil: requestedAt + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs * 0.1),
  };
}
