import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSecretEnvironment } from '../../src/config/index.js';
import { AppError } from '../../src/errors.js';
import { EnvCredentialStore } from '../../src/secrets/index.js';
import { createCapturingLogger } from '../../src/telemetry/index.js';
import { authServiceForFake } from '../support/auth-service.js';
import { type FakeCleverOAuth, fakeCleverOAuth } from '../support/fake-clever-oauth.js';

const D1 = '5940d254203e37907e0000f0';
const D2 = '5940d254203e37907e0000f1';
const server = setupServer();
let clever: FakeCleverOAuth;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

function useClever(districts: Record<string, string> = { [D1]: 'token-d1-aaaaaa', [D2]: 'token-d2-bbbbbb' }) {
  clever = fakeCleverOAuth(districts);
  server.use(...clever.handlers);
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('district-token discovery', () => {
  it('lists every district token with Basic client credentials, keyed by owner.id', async () => {
    useClever();
    const auth = authServiceForFake();
    const districts = await auth.listDistricts();
    expect(districts.map((d) => [d.districtId, d.accessToken, d.source])).toEqual([
      [D1, 'token-d1-aaaaaa', 'discovery'],
      [D2, 'token-d2-bbbbbb', 'discovery'],
    ]);
    expect(districts[0]!.scopes).toContain('read:students');
    expect(clever.discoveryRequests).toHaveLength(1);
    expect(clever.discoveryRequests[0]!.searchParams.get('owner_type')).toBe('district');
    // Listed tokens are cached: no further request.
    expect(await auth.getToken(D2)).toBe('token-d2-bbbbbb');
    expect(clever.discoveryRequests).toHaveLength(1);
  });

  it('looks one district up with &district=<id> and caches it', async () => {
    useClever();
    const auth = authServiceForFake();
    expect(await auth.getToken(D1)).toBe('token-d1-aaaaaa');
    expect(await auth.getToken(D1)).toBe('token-d1-aaaaaa');
    expect(clever.discoveryRequests).toHaveLength(1);
    expect(clever.discoveryRequests[0]!.searchParams.get('district')).toBe(D1);
  });

  it('makes one lookup for 50 concurrent callers', async () => {
    useClever();
    const auth = authServiceForFake();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => auth.getToken(D1)));
    expect(new Set(tokens)).toEqual(new Set(['token-d1-aaaaaa']));
    expect(clever.discoveryRequests).toHaveLength(1);
  });

  it('prefers a token from the credential store and needs no Clever call for it', async () => {
    useClever();
    const store = new EnvCredentialStore(
      readSecretEnvironment({ env: { [`CLEVER_DISTRICT_TOKEN_${D1.toUpperCase()}`]: 'stored-token-d1' } }),
    );
    const auth = authServiceForFake({ store });
    expect(await auth.getToken(D1)).toBe('stored-token-d1');
    expect(clever.discoveryRequests).toHaveLength(0);
  });

  it('works from stored tokens alone when CLEVER_DISTRICT_IDS lists the districts', async () => {
    useClever();
    const store = new EnvCredentialStore(
      readSecretEnvironment({ env: { [`CLEVER_DISTRICT_TOKEN_${D1.toUpperCase()}`]: 'stored-token-d1' } }),
    );
    const auth = authServiceForFake({
      store,
      withClientCredentials: false,
      settings: { CLEVER_DISTRICT_IDS: D1 },
    });
    const districts = await auth.listDistricts();
    expect(districts).toEqual([
      { districtId: D1, accessToken: 'stored-token-d1', scopes: [], source: 'credential-store' },
    ]);
    expect(clever.discoveryRequests).toHaveLength(0);
  });

  it('reports a district missing from the list as disconnected', async () => {
    useClever({ [D1]: 'token-d1-aaaaaa' });
    const { logger, lines } = createCapturingLogger();
    const auth = authServiceForFake({ logger, settings: { CLEVER_DISTRICT_IDS: `${D1},${D2}` } });
    const districts = await auth.listDistricts();
    expect(districts.map((d) => d.districtId)).toEqual([D1]);
    expect(auth.disconnectedDistricts()).toEqual([D2]);
    expect(lines.some((line) => line.includes('clever.district.disconnected') && line.includes(D2))).toBe(
      true,
    );

    const error = await failure(auth.getToken(D2));
    expect(error.code).toBe('CLEVER_DISTRICT_DISCONNECTED');
    expect(error.message).toContain(D2);
  });

  it('reports districts known from earlier runs (SessionDb) that Clever no longer lists, without CLEVER_DISTRICT_IDS', async () => {
    useClever({ [D1]: 'token-d1-aaaaaa' });
    const { logger, lines } = createCapturingLogger();
    const auth = authServiceForFake({ logger });
    auth.useKnownDistricts(async () => [D1, D2]);
    expect((await auth.listDistricts()).map((d) => d.districtId)).toEqual([D1]);
    expect(auth.disconnectedDistricts()).toEqual([D2]);
    const report = await auth.checkAuthentication();
    expect(report.disconnectedDistricts).toEqual([D2]);
    // Logged once per process, not at every health refresh.
    expect(lines.filter((line) => line.includes('clever.district.disconnected'))).toHaveLength(1);
  });

  it('a malformed id in CLEVER_DISTRICT_IDS is one disconnected district, not a failure of all', async () => {
    useClever();
    const store = new EnvCredentialStore(readSecretEnvironment({ env: {} }));
    const auth = authServiceForFake({
      store,
      settings: { CLEVER_DISTRICT_IDS: `${D1},not_a_district!,${D2}` },
    });
    expect((await auth.listDistricts()).map((d) => d.districtId)).toEqual([D1, D2]);
    expect(auth.disconnectedDistricts()).toEqual(['not_a_district!']);
  });

  it('fails clearly when no credentials are configured', async () => {
    useClever();
    const auth = authServiceForFake({ withClientCredentials: false });
    const error = await failure(auth.listDistricts());
    expect(error.code).toBe('CLEVER_AUTH_FAILED');
    expect(error.message).toMatch(/CLEVER_CLIENT_ID and CLEVER_CLIENT_SECRET/);
  });
});

describe('401 from the Data API (token rotation)', () => {
  it('looks the district up again once and returns the rotated token', async () => {
    useClever();
    const auth = authServiceForFake();
    expect(await auth.getToken(D1)).toBe('token-d1-aaaaaa');
    clever.districts.set(D1, 'token-d1-rotated');
    const refreshed = await Promise.all(
      Array.from({ length: 50 }, () => auth.refreshAfterUnauthorized(D1, 'token-d1-aaaaaa')),
    );
    expect(new Set(refreshed)).toEqual(new Set(['token-d1-rotated']));
    expect(clever.discoveryRequests).toHaveLength(2);
    expect(await auth.getToken(D1)).toBe('token-d1-rotated');
    // A late caller still holding the old token gets the new one without another lookup.
    expect(await auth.refreshAfterUnauthorized(D1, 'token-d1-aaaaaa')).toBe('token-d1-rotated');
    expect(clever.discoveryRequests).toHaveLength(2);
  });

  it('fails clearly when the lookup returns the same rejected token', async () => {
    useClever();
    const auth = authServiceForFake();
    await auth.getToken(D1);
    const error = await failure(auth.refreshAfterUnauthorized(D1, 'token-d1-aaaaaa'));
    expect(error.code).toBe('CLEVER_AUTH_FAILED');
    expect(error.message).toBe(
      `Clever rejected the token of district ${D1} (401) and looking it up again returned no other token`,
    );
    expect(clever.discoveryRequests).toHaveLength(2);
  });

  it('reports the district as disconnected when it left the list', async () => {
    useClever();
    const auth = authServiceForFake();
    await auth.getToken(D1);
    clever.districts.delete(D1);
    const error = await failure(auth.refreshAfterUnauthorized(D1, 'token-d1-aaaaaa'));
    expect(error.code).toBe('CLEVER_DISTRICT_DISCONNECTED');
    expect(auth.disconnectedDistricts()).toContain(D1);
  });

  it('falls back from a rejected stored token to discovery', async () => {
    useClever();
    const store = new EnvCredentialStore(
      readSecretEnvironment({ env: { [`CLEVER_DISTRICT_TOKEN_${D1.toUpperCase()}`]: 'stored-token-d1' } }),
    );
    const auth = authServiceForFake({ store });
    expect(await auth.getToken(D1)).toBe('stored-token-d1');
    expect(await auth.refreshAfterUnauthorized(D1, 'stored-token-d1')).toBe('token-d1-aaaaaa');
  });
});

describe('retries of the token endpoint', () => {
  it('retries transient failures with the configured 2/4/8/16/32 s backoff', async () => {
    useClever();
    clever.failures = [503, 'network', 500, 502, 429];
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { logger, lines } = createCapturingLogger();
    const auth = authServiceForFake({ logger });
    const result = auth.getToken(D1);
    await vi.runAllTimersAsync();
    await vi.waitFor(() => expect(clever.discoveryRequests).toHaveLength(6));
    expect(await result).toBe('token-d1-aaaaaa');
    const delays = lines
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.event === 'retry')
      .map((entry) => entry.delayMs);
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000]);
  });

  it('uses configured retry counts and intervals', async () => {
    useClever();
    clever.failures = [503, 503, 503];
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { logger, lines } = createCapturingLogger();
    const auth = authServiceForFake({
      logger,
      settings: {
        CLEVER_RETRY_COUNT: '2',
        CLEVER_RETRY_INITIAL_DELAY_MS: '500',
        CLEVER_RETRY_MAX_DELAY_MS: '800',
      },
    });
    const result = auth.getToken(D1).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const error = (await result) as AppError;
    expect(error.code).toBe('CLEVER_REQUEST_FAILED');
    expect(error.message).toContain('(attempt 3)');
    expect(clever.discoveryRequests).toHaveLength(3);
    const delays = lines
      .map((line) => JSON.parse(line))
      .filter((e) => e.event === 'retry')
      .map((e) => e.delayMs);
    expect(delays).toEqual([500, 800]);
  });

  it.each([400, 401])('does not retry %i', async (status) => {
    useClever();
    clever.failures = [status];
    const auth = authServiceForFake();
    const error = await failure(auth.getToken(D1));
    expect(clever.discoveryRequests).toHaveLength(1);
    expect(error.code).toBe(status === 401 ? 'CLEVER_AUTH_FAILED' : 'CLEVER_REQUEST_FAILED');
  });

  it('does not retry wrong client credentials', async () => {
    useClever();
    const auth = authServiceForFake({ settings: { CLEVER_CLIENT_SECRET: 'wrong-secret-value' } });
    const error = await failure(auth.listDistricts());
    expect(error.code).toBe('CLEVER_AUTH_FAILED');
    expect(error.message).toContain('invalid client credentials');
    expect(clever.discoveryRequests).toHaveLength(1);
  });
});
