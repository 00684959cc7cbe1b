import { gunzipSync } from 'node:zlib';
import { HttpResponse, http } from 'msw';

/**
 * msw fake of the Application Insights ingestion endpoint (and the Azure instance metadata probe
 * the exporter makes), collecting every envelope the real applicationinsights client sends.
 */
export const FAKE_APPINSIGHTS_CONNECTION_STRING =
  'InstrumentationKey=00000000-0000-0000-0000-0000000000aa;IngestionEndpoint=https://ingest.appinsights.test/';

export interface IngestedItem {
  name: string;
  data: { baseType: string; baseData: Record<string, unknown> };
}

export function fakeAppInsights() {
  const items: IngestedItem[] = [];
  const rawBodies: string[] = [];
  const handlers = [
    http.post('https://ingest.appinsights.test/v2.1/track', async ({ request }) => {
      const buffer = Buffer.from(await request.arrayBuffer());
      const text =
        request.headers.get('content-encoding') === 'gzip'
          ? gunzipSync(buffer).toString()
          : buffer.toString();
      rawBodies.push(text);
      const envelopes = JSON.parse(text) as IngestedItem[];
      items.push(...envelopes);
      return HttpResponse.json({
        itemsReceived: envelopes.length,
        itemsAccepted: envelopes.length,
        errors: [],
      });
    }),
    // Resource detection asks the Azure VM metadata service; off Azure it is unreachable.
    http.get('http://169.254.169.254/*', () => HttpResponse.error()),
  ];
  return { items, rawBodies, handlers };
}
