import { HttpResponse, http } from 'msw';

/**
 * msw fake of Clever's `/oauth/tokens`: GET district-app token discovery (Basic auth,
 * owner_type=district, optional district=<id>) and, for client-credentials mode, a standard OAuth
 * POST that issues expiring tokens. Tests change its state to rotate tokens, disconnect districts
 * or inject failures.
 */
export const FAKE_TOKENS_URL = 'https://clever.test/oauth/tokens';
export const FAKE_CLIENT_ID = 'fake-clever-client-id';
export const FAKE_CLIENT_SECRET = 'fake-clever-client-secret-7f3a9';

export interface FakeCleverOAuth {
  /** districtId -> current district-app token */
  districts: Map<string, string>;
  /** Statuses to answer (in order) before behaving normally, e.g. [503, 503]. */
  failures: (number | 'network')[];
  /** Body used for injected failures. */
  failureBody: string | Record<string, unknown>;
  discoveryRequests: URL[];
  tokenPosts: number;
  expiresIn: number | undefined;
  handlers: ReturnType<typeof http.get>[];
}

export function fakeCleverOAuth(districts: Record<string, string> = {}): FakeCleverOAuth {
  const fake: FakeCleverOAuth = {
    districts: new Map(Object.entries(districts)),
    failures: [],
    failureBody: { message: 'Service Unavailable' },
    discoveryRequests: [],
    tokenPosts: 0,
    expiresIn: 3600,
    handlers: [],
  };
  const expected = `Basic ${Buffer.from(`${FAKE_CLIENT_ID}:${FAKE_CLIENT_SECRET}`).toString('base64')}`;

  const injectedFailure = () => {
    const failure = fake.failures.shift();
    if (failure === undefined) return undefined;
    if (failure === 'network') return HttpResponse.error();
    return typeof fake.failureBody === 'string'
      ? new HttpResponse(fake.failureBody, { status: failure, headers: { 'Content-Type': 'text/html' } })
      : HttpResponse.json(fake.failureBody, { status: failure });
  };

  fake.handlers = [
    http.get(FAKE_TOKENS_URL, ({ request }) => {
      const url = new URL(request.url);
      fake.discoveryRequests.push(url);
      const failure = injectedFailure();
      if (failure) return failure;
      if (request.headers.get('authorization') !== expected) {
        return HttpResponse.json({ message: 'invalid client credentials' }, { status: 401 });
      }
      if (url.searchParams.get('owner_type') !== 'district') {
        return HttpResponse.json({ message: 'owner_type required' }, { status: 400 });
      }
      const only = url.searchParams.get('district');
      const data = [...fake.districts]
        .filter(([districtId]) => !only || districtId === only)
        .map(([districtId, token], index) => ({
          id: `token-record-${index}`,
          created: '2024-08-01T00:00:00.000Z',
          owner: { type: 'district', id: districtId },
          access_token: token,
          scopes: ['read:district_admins', 'read:students', 'read:teachers'],
        }));
      // A non-district owner must be ignored.
      if (!only)
        data.push({ ...data[0]!, owner: { type: 'user', id: 'not-a-district' }, access_token: 'user-token' });
      return HttpResponse.json({
        data: data.filter(Boolean),
        links: [{ rel: 'self', uri: url.pathname + url.search }],
      });
    }),
    http.post(FAKE_TOKENS_URL, async ({ request }) => {
      fake.tokenPosts++;
      const failure = injectedFailure();
      if (failure) return failure;
      if (request.headers.get('authorization') !== expected) {
        return HttpResponse.json({ error: 'invalid_client' }, { status: 401 });
      }
      const body = new URLSearchParams(await request.text());
      if (body.get('grant_type') !== 'client_credentials') {
        return HttpResponse.json({ error: 'unsupported_grant_type' }, { status: 400 });
      }
      return HttpResponse.json({
        access_token: `cc-token-${fake.tokenPosts}`,
        token_type: 'bearer',
        ...(fake.expiresIn === undefined ? {} : { expires_in: fake.expiresIn }),
      });
    }),
  ];
  return fake;
}
