import pLimit from 'p-limit';
import type { AppConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import { type Logger, silentLogger } from '../../telemetry/index.js';
import type { CleverTokenProvider } from '../auth/index.js';
import { CleverHttpClients } from '../http/index.js';
import { DistrictApi } from './district-api.js';
import { type CleverApiMetrics, createMetrics } from './metrics.js';
import { checkPageSize } from './paging.js';
import { type Clock, systemClock, TokenRateLimiter } from './rate-limiter.js';
import { type CleverApiHooks, CleverTransport } from './transport.js';
import type { CleverApiClient, CleverDistrict, CleverDistrictApi } from './types.js';

export interface CreateCleverApiClientOptions {
  /** Only `clever` (base URL, version, timeout, retry, rate limit, breaker) and `sync.pageSize` are read. */
  config: Pick<AppConfig, 'clever' | 'sync'>;
  tokens: CleverTokenProvider;
  logger?: Logger;
  /** Share the composition root's per-host axios instances (keep-alive sockets); created otherwise. */
  http?: CleverHttpClients;
  hooks?: CleverApiHooks;
  /** Upper bound of the random delay added after X-RateLimit-Reset (default 1000 ms). */
  rateLimitJitterMs?: number;
  /** For tests that need deterministic jitter; defaults to Math.random. */
  random?: () => number;
  clock?: Clock;
}

/** A CleverApiClient plus its running counters. */
export interface CleverApiClientWithMetrics extends CleverApiClient {
  /** A snapshot of requests sent, retries, 429s, rate-limit waits (count and total ms), token refreshes. */
  metrics(): CleverApiMetrics;
}

/** Districts whose names are fetched at once by getDistricts(); each uses its own token's budget. */
const DISTRICT_LOOKUP_CONCURRENCY = 4;

export function createCleverApiClient(options: CreateCleverApiClientOptions): CleverApiClientWithMetrics {
  const { config, tokens } = options;
  const logger = options.logger ?? silentLogger();
  const pageSize = checkPageSize(config.sync.pageSize);
  const metrics = createMetrics();
  const transport = new CleverTransport({
    clever: config.clever,
    http: options.http ?? new CleverHttpClients({ timeoutMs: config.clever.timeoutMs }),
    tokens,
    logger,
    metrics,
    hooks: options.hooks ?? {},
    createLimiter: (onWait) =>
      new TokenRateLimiter({
        limitPerMinute: config.clever.rateLimitPerMinute,
        jitterMs: options.rateLimitJitterMs ?? 1_000,
        clock: options.clock ?? systemClock,
        random: options.random,
        onWait,
      }),
  });
  const location = {
    baseUrl: config.clever.apiBaseUrl.replace(/\/+$/, ''),
    version: config.clever.apiVersion,
  };
  const districts = new Map<string, DistrictApi>();

  function forDistrict(districtId: string): CleverDistrictApi {
    let api = districts.get(districtId);
    if (!api) {
      api = new DistrictApi(districtId, { transport, location, pageSize, logger });
      districts.set(districtId, api);
    }
    return api;
  }

  async function getDistricts(): Promise<CleverDistrict[]> {
    const ids = [...new Set((await tokens.listDistricts()).map((token) => token.districtId))];
    const limit = pLimit(DISTRICT_LOOKUP_CONCURRENCY);
    const found = await Promise.all(
      ids.map((districtId) =>
        limit(async () => {
          try {
            return await forDistrict(districtId).getDistrict();
          } catch (error) {
            // Disconnected between listing and lookup: no longer one of "the districts that authorized the app".
            if (error instanceof AppError && error.code === 'CLEVER_DISTRICT_DISCONNECTED') {
              logger.warn(
                { event: 'clever.district.disconnected', districtId },
                'District disconnected; skipped',
              );
              return undefined;
            }
            throw error;
          }
        }),
      ),
    );
    return found.filter((district): district is CleverDistrict => district !== undefined);
  }

  return { getDistricts, forDistrict, metrics: () => ({ ...metrics }) };
}
