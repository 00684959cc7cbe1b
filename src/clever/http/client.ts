import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { CLEVER_URL_RULE, isAllowedCleverUrl } from '../../config/index.js';
import { ConfigError } from '../../errors.js';

export interface CleverHttpClientOptions {
  /** Scheme + host (+ optional path prefix), e.g. `https://api.clever.com/v3.0` or `https://clever.com`. */
  baseURL: string;
  /** Per-request timeout (CLEVER_HTTP_TIMEOUT_MS). */
  timeoutMs: number;
  userAgent?: string;
}

/**
 * One axios instance for one Clever host. It never throws on an HTTP status (`validateStatus`
 * accepts all) so callers classify every answer themselves with `responseToCleverApiError`; it
 * never retries on its own (retries belong to the cockatiel policy); it refuses TLS below 1.2;
 * sockets are kept alive because a sync makes thousands of calls to the same host.
 */
export function createCleverHttpClient(options: CleverHttpClientOptions): AxiosInstance {
  const origin = parseBaseUrl(options.baseURL);
  const secure = origin.protocol === 'https:';
  return axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    validateStatus: () => true,
    // Clever does not redirect API calls; following one could carry the bearer token elsewhere.
    maxRedirects: 0,
    headers: { Accept: 'application/json', 'User-Agent': options.userAgent ?? 'clever-sync' },
    ...(secure
      ? { httpsAgent: new https.Agent({ keepAlive: true, minVersion: 'TLSv1.2' }) }
      : { httpAgent: new http.Agent({ keepAlive: true }) }),
  });
}

function parseBaseUrl(baseURL: string): URL {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new ConfigError([`Clever base URL "${baseURL}" is not an absolute URL`]);
  }
  if (isAllowedCleverUrl(url)) return url;
  throw new ConfigError([`Clever base URL ${url.origin} ${CLEVER_URL_RULE}`]);
}

/**
 * Hands out one memoized axios instance per Clever origin (api.clever.com, clever.com), so all
 * callers share each host's keep-alive sockets. The composition root owns one of these.
 */
export class CleverHttpClients {
  private readonly byOrigin = new Map<string, AxiosInstance>();

  constructor(private readonly defaults: Omit<CleverHttpClientOptions, 'baseURL'>) {}

  /** The instance for `url`'s origin; its baseURL is the origin, so pass paths including any version prefix. */
  forUrl(url: string): AxiosInstance {
    const origin = parseBaseUrl(url).origin;
    let client = this.byOrigin.get(origin);
    if (!client) {
      client = createCleverHttpClient({ ...this.defaults, baseURL: origin });
      this.byOrigin.set(origin, client);
    }
    return client;
  }
}
