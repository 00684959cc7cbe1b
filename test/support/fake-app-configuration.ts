import { HttpResponse, http } from 'msw';

/**
 * msw fake of the Azure App Configuration data plane (`GET /kv`), enough for
 * @azure/app-configuration-provider's startup load. Entries may be Key Vault references.
 */
export const FAKE_APP_CONFIG_ENDPOINT = 'https://clever-sync-test.azconfig.io';
export const KEY_VAULT_REF_CONTENT_TYPE =
  'application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8';

export interface FakeAppConfigEntry {
  key: string;
  value: string;
  label?: string | null;
  contentType?: string;
}

export function fakeAppConfiguration(entries: FakeAppConfigEntry[]) {
  const requests: URL[] = [];
  const handlers = [
    http.get(`${FAKE_APP_CONFIG_ENDPOINT}/kv`, ({ request }) => {
      const url = new URL(request.url);
      requests.push(url);
      if (!request.headers.get('authorization')?.startsWith('Bearer ')) {
        return HttpResponse.json({ title: 'Unauthorized' }, { status: 401 });
      }
      const wanted = url.searchParams.get('label');
      const items = entries
        .filter((entry) => (wanted === '\0' || wanted === null ? !entry.label : entry.label === wanted))
        .map((entry, index) => ({
          etag: `etag-${index}`,
          key: entry.key,
          label: entry.label ?? null,
          content_type: entry.contentType ?? '',
          value: entry.value,
          tags: {},
          locked: false,
          last_modified: '2025-01-01T00:00:00+00:00',
        }));
      return HttpResponse.json(
        { items },
        { headers: { 'Content-Type': 'application/vnd.microsoft.appconfig.kvset+json; charset=utf-8' } },
      );
    }),
  ];
  return { requests, handlers };
}
