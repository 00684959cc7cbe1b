import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { registerSecret } from '../../telemetry/index.js';
import type { RetryingPolicy } from '../http/index.js';
import { CleverApiError, safeRequestPath, sendCleverRequest } from '../http/index.js';

export interface DiscoveredToken {
  districtId: string;
  accessToken: string;
  scopes: string[];
}

/** Tolerant: Clever adds fields freely; only what the app needs is checked. */
const tokenListSchema = z.object({
  data: z.array(
    z
      .object({
        owner: z.object({ type: z.string(), id: z.string().min(1) }).loose(),
        access_token: z.string().min(1),
        scopes: z.array(z.string()).optional(),
      })
      .loose(),
  ),
  links: z.array(z.object({ rel: z.string(), uri: z.string() }).loose()).optional(),
});

/** A runaway `next` chain must not loop forever. */
const MAX_PAGES = 100;

export interface DiscoverOptions {
  client: AxiosInstance;
  tokensUrl: string;
  authorization: string;
  policy: RetryingPolicy;
  /** Only this district (`&district=<id>`). */
  districtId?: string;
}

/**
 * `GET {CLEVER_TOKENS_URL}?owner_type=district[&district=<id>]` with HTTP Basic client credentials:
 * every district-app token of the app, keyed by `owner.id`. Follows `rel=next` links if Clever pages.
 */
export async function discoverDistrictTokens(options: DiscoverOptions): Promise<DiscoveredToken[]> {
  const params: Record<string, string> = { owner_type: 'district' };
  if (options.districtId) params.district = options.districtId;
  let url: string | undefined = options.tokensUrl;
  let query: Record<string, string> | undefined = params;
  const tokens: DiscoveredToken[] = [];

  for (let page = 0; url && page < MAX_PAGES; page++) {
    const requestUrl: string = url;
    const response = await options.policy.execute(({ attempt }) =>
      sendCleverRequest(
        options.client,
        { method: 'GET', url: requestUrl, params: query, headers: { Authorization: options.authorization } },
        { attempt: attempt + 1 },
      ),
    );
    const parsed = tokenListSchema.safeParse(response.data);
    if (!parsed.success) {
      // The body holds tokens: describe the shape problem, never echo the body.
      throw new CleverApiError({
        kind: 'invalid-response',
        status: response.status,
        method: 'GET',
        path: safeRequestPath(requestUrl, undefined, query),
        cleverMessage: 'token list without the expected {"data":[{owner, access_token}]} envelope',
      });
    }
    for (const item of parsed.data.data) {
      if (item.owner.type !== 'district') continue;
      registerSecret(item.access_token);
      tokens.push({ districtId: item.owner.id, accessToken: item.access_token, scopes: item.scopes ?? [] });
    }
    const next = parsed.data.links?.find((link) => link.rel === 'next')?.uri;
    url = next ? new URL(next, options.tokensUrl).toString() : undefined;
    query = undefined; // a next link already carries the query
  }
  return tokens;
}
