import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { authServiceForFake } from '../support/auth-service.js';
import { type FakeCleverOAuth, fakeCleverOAuth } from '../support/fake-clever-oauth.js';

const D1 = '5940d254203e37907e0000f0';
const server = setupServer();
let gateway: FakeCleverOAuth;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

function setup(settings: Record<string, string> = {}) {
  gateway = fakeCleverOAuth();
  gateway.expiresIn = 1000;
  server.use(...gateway.handlers);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
  return authServiceForFake({ settings: { CLEVER_AUTH_MODE: 'client-credentials', ...settings } });
}

describe('client_credentials mode', () => {
  it('POSTs grant_type=client_credentials and reuses the token until 75% of its lifetime', async () => {
    const auth = setup();
    expect(await auth.getToken(D1)).toBe('cc-token-1');
    vi.advanceTimersByTime(749_000);
    expect(await auth.getToken(D1)).toBe('cc-token-1');
    expect(gateway.tokenPosts).toBe(1);
    vi.advanceTimersByTime(2_000);
    expect(await auth.getToken(D1)).toBe('cc-token-2');
    expect(gateway.tokenPosts).toBe(2);
  });

  it('honours a configured refresh fraction', async () => {
    const auth = setup({ CLEVER_TOKEN_REFRESH_FRACTION: '0.5' });
    await auth.getToken(D1);
    vi.advanceTimersByTime(501_000);
    expect(await auth.getToken(D1)).toBe('cc-token-2');
  });

  it('keeps the valid token when an early refresh fails, but never hands out an expired one', async () => {
    const auth = setup({ CLEVER_RETRY_COUNT: '0' });
    await auth.getToken(D1);
    vi.advanceTimersByTime(800_000);
    gateway.failures = [503];
    expect(await auth.getToken(D1)).toBe('cc-token-1');

    vi.advanceTimersByTime(200_000); // now at the token's expiry
    gateway.failures = [503];
    const error = await auth.getToken(D1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CLEVER_REQUEST_FAILED');
    expect(await auth.getToken(D1)).toBe('cc-token-4');
  });

  it('stops handing out a token shortly before it expires, not after', async () => {
    const auth = setup({ CLEVER_RETRY_COUNT: '0' });
    await auth.getToken(D1);
    vi.advanceTimersByTime(975_000); // 25 s left: inside the 30 s safety margin
    gateway.failures = [503];
    await expect(auth.getToken(D1)).rejects.toBeInstanceOf(AppError);
  });

  it('makes one token request for 50 concurrent callers', async () => {
    const auth = setup();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => auth.getToken(D1)));
    expect(new Set(tokens)).toEqual(new Set(['cc-token-1']));
    expect(gateway.tokenPosts).toBe(1);
    vi.advanceTimersByTime(760_000);
    const refreshed = await Promise.all(Array.from({ length: 50 }, () => auth.getToken(D1)));
    expect(new Set(refreshed)).toEqual(new Set(['cc-token-2']));
    expect(gateway.tokenPosts).toBe(2);
  });

  it('gets a new token after a 401; late callers holding the old token share it', async () => {
    const auth = setup();
    await auth.getToken(D1);
    expect(await auth.refreshAfterUnauthorized(D1, 'cc-token-1')).toBe('cc-token-2');
    expect(await auth.refreshAfterUnauthorized(D1, 'cc-token-1')).toBe('cc-token-2');
    expect(gateway.tokenPosts).toBe(2);
  });

  it('uses a token without expires_in until a 401', async () => {
    const auth = setup();
    gateway.expiresIn = undefined;
    await auth.getToken(D1);
    vi.advanceTimersByTime(30 * 24 * 3600 * 1000);
    expect(await auth.getToken(D1)).toBe('cc-token-1');
  });

  it('lists CLEVER_DISTRICT_IDS with the app token and its expiry', async () => {
    const auth = setup({ CLEVER_DISTRICT_IDS: `${D1},d2` });
    const districts = await auth.listDistricts();
    expect(districts.map((d) => [d.districtId, d.accessToken, d.source])).toEqual([
      [D1, 'cc-token-1', 'client-credentials'],
      ['d2', 'cc-token-1', 'client-credentials'],
    ]);
    expect(districts[0]!.expiresAt?.toISOString()).toBe('2025-01-01T00:16:40.000Z');
  });

  it('discovers districts through the Data API when none are configured', async () => {
    const auth = setup();
    server.use(
      http.get('https://api.clever.test/v3.0/districts', ({ request }) =>
        request.headers.get('authorization') === 'Bearer cc-token-1'
          ? HttpResponse.json({
              data: [{ data: { id: D1, name: 'Demo' }, uri: `/v3.0/districts/${D1}` }],
              links: [],
            })
          : HttpResponse.json({ message: 'unauthorized' }, { status: 401 }),
      ),
    );
    expect((await auth.listDistricts()).map((d) => d.districtId)).toEqual([D1]);
  });

  it('rejects a token response without access_token, without echoing it', async () => {
    const auth = setup();
    server.use(
      http.post('https://clever.test/oauth/tokens', () => HttpResponse.json({ token: 'odd-shape-123' })),
    );
    const error = (await auth.getToken(D1).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('CLEVER_BAD_RESPONSE');
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain('odd-shape-123');
  });
});
