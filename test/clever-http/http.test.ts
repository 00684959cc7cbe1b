import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CleverApiError,
  CleverHttpClients,
  createCleverHttpClient,
  createRetryPolicy,
  extractCleverMessage,
  logRetry,
  safeRequestPath,
  sendCleverRequest,
  toCleverApiError,
} from '../../src/clever/http/index.js';
import { ConfigError, toLogObject } from '../../src/errors.js';
import { createCapturingLogger } from '../../src/telemetry/index.js';

const API = 'https://api.clever.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

const SCHEDULE = { count: 5, initialDelayMs: 2_000, maxDelayMs: 32_000 };

describe('createCleverHttpClient', () => {
  it('requires TLS 1.2 or newer, keeps sockets alive and never follows redirects', () => {
    const client = createCleverHttpClient({ baseURL: API, timeoutMs: 1234 });
    const agent = client.defaults.httpsAgent as { options: { minVersion?: string; keepAlive?: boolean } };
    expect(agent.options.minVersion).toBe('TLSv1.2');
    expect(agent.options.keepAlive).toBe(true);
    expect(client.defaults.timeout).toBe(1234);
    expect(client.defaults.maxRedirects).toBe(0);
  });

  it('refuses plain http except to this machine', () => {
    expect(() => createCleverHttpClient({ baseURL: 'http://api.clever.com', timeoutMs: 1000 })).toThrow(
      ConfigError,
    );
    expect(() => createCleverHttpClient({ baseURL: 'http://127.0.0.1:4010', timeoutMs: 1000 })).not.toThrow();
  });

  it('hands out one instance per origin', () => {
    const clients = new CleverHttpClients({ timeoutMs: 1000 });
    expect(clients.forUrl('https://api.clever.com/v3.0')).toBe(clients.forUrl('https://api.clever.com'));
    expect(clients.forUrl('https://clever.com/oauth/tokens')).not.toBe(
      clients.forUrl('https://api.clever.com'),
    );
  });
});

describe('sendCleverRequest', () => {
  const client = createCleverHttpClient({ baseURL: API, timeoutMs: 5_000 });

  it('returns 2xx responses', async () => {
    server.use(http.get(`${API}/v3.0/schools`, () => HttpResponse.json({ data: [] })));
    const response = await sendCleverRequest(client, { url: '/v3.0/schools' });
    expect(response.data).toEqual({ data: [] });
  });

  it("turns an error status into a CleverApiError with Clever's JSON message and no headers", async () => {
    server.use(
      http.get(`${API}/v3.0/schools`, () =>
        HttpResponse.json({ message: 'limit too large' }, { status: 413 }),
      ),
    );
    const error = await sendCleverRequest(client, {
      url: '/v3.0/schools',
      params: { limit: 20000, access_token: 'tok-should-not-leak' },
      headers: { Authorization: 'Bearer tok-should-not-leak' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleverApiError);
    const apiError = error as CleverApiError;
    expect(apiError.code).toBe('CLEVER_LIMIT_TOO_LARGE');
    expect(apiError.status).toBe(413);
    expect(apiError.method).toBe('GET');
    expect(apiError.path).toBe('/v3.0/schools?limit=20000');
    expect(apiError.cleverMessage).toBe('limit too large');
    expect(apiError.transient).toBe(false);
    const serialized = JSON.stringify(toLogObject(apiError)) + apiError.message;
    expect(serialized).not.toContain('tok-should-not-leak');
    expect(serialized).not.toMatch(/authorization/i);
  });

  it('reads the message of an HTML error page', async () => {
    server.use(
      http.get(
        `${API}/v3.0/users`,
        () =>
          new HttpResponse(
            '<html><head><title>502 Bad Gateway</title></head><body><h1>oops</h1></body></html>',
            {
              status: 502,
              headers: { 'Content-Type': 'text/html' },
            },
          ),
      ),
    );
    const error = (await sendCleverRequest(client, { url: '/v3.0/users' }).catch(
      (e: unknown) => e,
    )) as CleverApiError;
    expect(error.cleverMessage).toBe('502 Bad Gateway');
    expect(error.transient).toBe(true);
  });

  it('classifies network failures as transient without exposing the AxiosError', async () => {
    server.use(http.get(`${API}/v3.0/districts`, () => HttpResponse.error()));
    const error = (await sendCleverRequest(client, {
      url: '/v3.0/districts',
      headers: { Authorization: 'Bearer tok-net' },
    }).catch((e: unknown) => e)) as CleverApiError;
    expect(error).toBeInstanceOf(CleverApiError);
    expect(error.kind).toBe('network');
    expect(error.transient).toBe(true);
    expect(JSON.stringify(error)).not.toContain('tok-net');
    expect(JSON.stringify(toLogObject(error))).not.toContain('tok-net');
  });

  it('classifies timeouts as transient', async () => {
    const slow = createCleverHttpClient({ baseURL: API, timeoutMs: 50 });
    server.use(
      http.get(`${API}/v3.0/slow`, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return HttpResponse.json({});
      }),
    );
    const error = (await sendCleverRequest(slow, { url: '/v3.0/slow' }).catch(
      (e: unknown) => e,
    )) as CleverApiError;
    expect(error.kind).toBe('timeout');
    expect(error.transient).toBe(true);
  });
});

describe('status classification', () => {
  const response = (status: number) =>
    ({ status, data: {}, headers: {}, config: { method: 'get', url: '/v3.0/x' }, statusText: '' }) as never;
  it.each([429, 500, 502, 503, 504])('%i is transient', (status) => {
    expect(toCleverApiError({ isAxiosError: true, response: response(status), config: {} }).transient).toBe(
      true,
    );
  });
  it.each([400, 401, 403, 404, 413, 501])('%i is final', (status) => {
    expect(toCleverApiError({ isAxiosError: true, response: response(status), config: {} }).transient).toBe(
      false,
    );
  });
});

describe('helpers', () => {
  it('drops secret query parameters from paths', () => {
    expect(
      safeRequestPath(
        '/oauth/tokens?owner_type=district&client_secret=s3cret&code=abc',
        'https://clever.com',
      ),
    ).toBe('/oauth/tokens?owner_type=district');
    expect(safeRequestPath('schools', 'https://api.clever.com/v3.0')).toBe('/v3.0/schools');
  });

  it('extracts and clips messages', () => {
    expect(extractCleverMessage({ message: 'bad   request' })).toBe('bad request');
    expect(extractCleverMessage('<p>Service <b>unavailable</b></p>')).toBe('Service unavailable');
    expect(extractCleverMessage('x'.repeat(1000))?.length).toBe(300);
    expect(extractCleverMessage(undefined)).toBeUndefined();
  });
});

describe('createRetryPolicy', () => {
  const transient = () => new CleverApiError({ kind: 'http', status: 503, method: 'GET', path: '/x' });

  it('waits 2/4/8/16/32 s between six attempts by default and then gives up', async () => {
    vi.useFakeTimers();
    const delays: number[] = [];
    const policy = createRetryPolicy({ schedule: SCHEDULE, onRetry: (e) => delays.push(e.delayMs) });
    let calls = 0;
    const run = policy
      .execute(() => {
        calls++;
        throw transient();
      })
      .catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await run).toBeInstanceOf(CleverApiError);
    expect(calls).toBe(6);
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000]);
  });

  it('does not retry final failures', async () => {
    const policy = createRetryPolicy({ schedule: SCHEDULE });
    let calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        throw new CleverApiError({ kind: 'http', status: 401, method: 'GET', path: '/x' });
      }),
    ).rejects.toMatchObject({ status: 401 });
    expect(calls).toBe(1);
  });

  it('lets a caller override one delay (e.g. until X-RateLimit-Reset) and logs each retry', async () => {
    vi.useFakeTimers();
    const { logger, lines } = createCapturingLogger();
    const delays: number[] = [];
    const policy = createRetryPolicy({
      schedule: { count: 2, initialDelayMs: 100, maxDelayMs: 1_000 },
      delayFor: (_error, attempt) => (attempt === 1 ? 7_000 : undefined),
      onRetry: (event) => {
        delays.push(event.delayMs);
        logRetry(logger, 'test.op')(event);
      },
    });
    let calls = 0;
    const run = policy.execute(() => {
      calls++;
      if (calls < 3) throw transient();
      return 'ok';
    });
    await vi.runAllTimersAsync();
    expect(await run).toBe('ok');
    expect(delays).toEqual([7_000, 200]);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      event: 'retry',
      operation: 'test.op',
      attempt: 1,
      delayMs: 7_000,
    });
  });
});
