import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import type { RetryingPolicy } from '../http/index.js';
import { CleverApiError, sendCleverRequest } from '../http/index.js';

const districtListSchema = z.object({
  data: z.array(z.object({ data: z.object({ id: z.string().min(1) }).loose() }).loose()),
  links: z.array(z.object({ rel: z.string(), uri: z.string() }).loose()).optional(),
});

const MAX_PAGES = 100;

/**
 * Client-credentials mode without CLEVER_DISTRICT_IDS: the districts a gateway token can see,
 * from `GET /{version}/districts` (following `rel=next`). District tokens see exactly one.
 */
export async function listDistrictIds(options: {
  client: AxiosInstance;
  apiBaseUrl: string;
  apiVersion: string;
  accessToken: string;
  policy: RetryingPolicy;
}): Promise<string[]> {
  const ids: string[] = [];
  let path: string | undefined = `/${options.apiVersion}/districts`;
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const url: string = new URL(path, options.apiBaseUrl).toString();
    const response = await options.policy.execute(({ attempt }) =>
      sendCleverRequest(
        options.client,
        { method: 'GET', url, headers: { Authorization: `Bearer ${options.accessToken}` } },
        { attempt: attempt + 1 },
      ),
    );
    const parsed = districtListSchema.safeParse(response.data);
    if (!parsed.success) {
      throw new CleverApiError({
        kind: 'invalid-response',
        status: response.status,
        method: 'GET',
        path: new URL(url).pathname,
        cleverMessage: 'district list without the {"data":[{"data":{"id"}}]} envelope',
      });
    }
    ids.push(...parsed.data.data.map((item) => item.data.id));
    path = parsed.data.links?.find((link) => link.rel === 'next')?.uri;
  }
  return ids;
}
