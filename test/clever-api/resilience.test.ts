import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CleverApiError,
  CleverLimitTooLargeError,
  CleverNotFoundError,
  type CleverRetryEvent,
  createCleverApiClient,
  isCircuitOpen,
  isCleverNotFound,
} from '../../src/clever/api/index.js';
import { AppError, toLogObject } from '../../src/errors.js';
import { createCapturingLogger } from '../../src/telemetry/index.js';
import {
  collect,
  DISTRICT,
  drive,
  FakeTokens,
  oid,
  pagedHandler,
  TOKEN,
  testConfig,
  useFakeTime,
  user,
  V,
} from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

function setup(env: Record<string, string> = {}, tokens = new FakeTokens()) {
  const retries: CleverRetryEvent[] = [];
  const requests: number[] = [];
  const { logger, lines } = createCapturingLogger();
  const api = createCleverApiClient({
    config: testConfig(env),
    tokens,
    logger,
    random: () => 0,
    hooks: { onRetry: (e) => retries.push(e), onRequest: (e) => requests.push(e.attempt) },
  });
  return { api, tokens, retries, requests, lines, district: api.forDistrict(DISTRICT) };
}

/** Answers `statuses` in turn (then 200 with one school). */
function scripted(statuses: (number | 'network' | 'html502')[]) {
  let call = 0;
  return http.get(`${V}/schools`, () => {
    const next = statuses[call++];
    if (next === undefined)
      return HttpResponse.json({ data: [{ data: { id: oid(1), name: 'S' } }], links: [] });
    if (next === 'network') return HttpResponse.error();
    if (next === 'html502') {
      return HttpResponse.html('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', {
        status: 502,
      });
    }
    return HttpResponse.json({ message: `status ${next}` }, { status: next });
  });
}

describe('retries', () => {
  it('asks again for a page whose JSON was cut short, without quoting the body anywhere', async () => {
    useFakeTime();
    let call = 0;
    server.use(
      http.get(`${V}/schools`, () => {
        call++;
        if (call === 1) {
          return new HttpResponse('{"data":[{"data":{"id":"x","name":"Zoë Student-Name', {
            headers: { 'content-type': 'application/json' },
          });
        }
        return HttpResponse.json({ data: [{ data: { id: oid(1), name: 'S' } }], links: [] });
      }),
    );
    const { district, retries, lines } = setup();
    const pages = await drive(collect(district.getSchools()));
    expect(pages.flat()).toHaveLength(1);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.delayMs).toBe(2_000);
    expect(lines.join('\n')).not.toContain('Student-Name');
    expect(lines.join('\n')).toContain('not valid JSON');
  });

  it('gives up on pages that keep arriving cut short with an error that does not quote them', async () => {
    useFakeTime();
    server.use(
      http.get(
        `${V}/schools`,
        () =>
          new HttpResponse('{"data":[{"data":{"name":"Zoë Student-Name', {
            headers: { 'content-type': 'application/json' },
          }),
      ),
    );
    const { district } = setup({ CLEVER_RETRY_COUNT: '1' });
    const error = await drive(collect(district.getSchools())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleverApiError);
    expect((error as CleverApiError).code).toBe('CLEVER_BAD_RESPONSE');
    expect(JSON.stringify(toLogObject(error))).not.toContain('Student-Name');
    expect((error as Error).message).not.toContain('Student-Name');
  });

  it('retries 500/502/503/504 and network errors with the 2/4/8/16/32 s backoff', async () => {
    useFakeTime();
    server.use(scripted([500, 'html502', 503, 504, 'network']));
    const { api, district, retries, requests } = setup();
    const pages = await drive(collect(district.getSchools()));
    expect(pages.flat()).toHaveLength(1);
    expect(retries.map((r) => r.delayMs)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000]);
    expect(requests).toEqual([1, 2, 3, 4, 5, 6]);
    expect(api.metrics()).toMatchObject({ requests: 6, retries: 5 });
  });

  it('gives up after 5 retries with a typed error carrying status, path, Clever message and attempts', async () => {
    useFakeTime();
    server.use(scripted([503, 503, 503, 503, 503, 'html502']));
    const { district } = setup();
    const error = await drive(collect(district.getSchools())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleverApiError);
    expect(error).toMatchObject({
      code: 'CLEVER_REQUEST_FAILED',
      status: 502,
      method: 'GET',
      path: '/v3.0/schools?limit=100',
      cleverMessage: '502 Bad Gateway',
      attempt: 6,
      transient: true,
    });
  });

  it('follows a configured schedule', async () => {
    useFakeTime();
    server.use(scripted([503, 503, 503]));
    const { district, retries } = setup({
      CLEVER_RETRY_COUNT: '2',
      CLEVER_RETRY_INITIAL_DELAY_MS: '100',
      CLEVER_RETRY_MAX_DELAY_MS: '150',
    });
    await expect(drive(collect(district.getSchools()))).rejects.toMatchObject({ status: 503, attempt: 3 });
    expect(retries.map((r) => r.delayMs)).toEqual([100, 150]);
  });

  it.each([400, 501, 403])('does not retry %i', async (status) => {
    server.use(scripted([status]));
    const { district, requests } = setup();
    await expect(collect(district.getSchools())).rejects.toMatchObject({ status, transient: false });
    expect(requests).toHaveLength(1);
  });
});

describe('typed failures', () => {
  it('404 is a typed not-found the sync can act on (archive and continue), without retry', async () => {
    server.use(
      http.get(`${V}/users/:id`, () => HttpResponse.json({ message: 'Resource not found' }, { status: 404 })),
    );
    const { district, requests } = setup();
    const error = await district.getUser(oid(9)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleverNotFoundError);
    expect(isCleverNotFound(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CLEVER_NOT_FOUND', status: 404, path: `/v3.0/users/${oid(9)}` });
    expect((error as Error).message).toMatch(/not shared with the app or was deleted/);
    expect(requests).toHaveLength(1);
  });

  it('413 is a clear configuration error naming SYNC_PAGE_SIZE', async () => {
    server.use(
      http.get(`${V}/schools`, () =>
        HttpResponse.html('<html><body><h1>413 Request Entity Too Large</h1></body></html>', { status: 413 }),
      ),
    );
    const { district, requests } = setup({ SYNC_PAGE_SIZE: '10000' });
    const error = await collect(district.getSchools()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleverLimitTooLargeError);
    expect(error).toMatchObject({ code: 'CLEVER_LIMIT_TOO_LARGE', pageSize: 10_000, transient: false });
    expect((error as Error).message).toMatch(/limit=10000.*SYNC_PAGE_SIZE/);
    expect((error as CleverApiError).cleverMessage).toBe('413 Request Entity Too Large');
    expect(requests).toHaveLength(1);
  });

  it('reads Clever’s message from JSON and HTML error bodies', async () => {
    server.use(
      http.get(`${V}/schools/s1`, () => HttpResponse.json({ message: 'invalid school id' }, { status: 400 })),
      http.get(`${V}/schools/s2`, () =>
        HttpResponse.html('<!DOCTYPE html><html><head><title>Bad Request</title></head></html>', {
          status: 400,
        }),
      ),
    );
    const { district } = setup();
    await expect(district.getSchool('s1')).rejects.toMatchObject({ cleverMessage: 'invalid school id' });
    await expect(district.getSchool('s2')).rejects.toMatchObject({ cleverMessage: 'Bad Request' });
  });
});

describe('401: token rotation', () => {
  it('rediscovers the district token once and carries on with the new one', async () => {
    let accepted = TOKEN;
    const tokens = new FakeTokens();
    server.use(pagedHandler('/schools/s1/users', () => [user(1), user(2)], { token: () => accepted }));
    const { api, district } = setup({}, tokens);
    accepted = 'rotated-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    tokens.rotate(DISTRICT, accepted);
    const pages = await collect(district.getStudents('s1', undefined, { pageSize: 1 }));
    expect(pages.flat()).toHaveLength(2);
    expect(tokens.refreshCalls).toBe(1);
    expect(api.metrics().tokenRefreshes).toBe(1);
  });

  it('does not loop: a second 401 after the rediscovery is final', async () => {
    const tokens = new FakeTokens();
    server.use(pagedHandler('/schools', () => [], { token: () => 'nobody-has-this' }));
    tokens.rotate(DISTRICT, 'also-rejected');
    const { district, requests } = setup({}, tokens);
    const error = await collect(district.getSchools()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLEVER_AUTH_FAILED', status: 401 });
    expect(tokens.refreshCalls).toBe(1);
    expect(requests).toHaveLength(2);
  });

  it('surfaces the auth service’s verdict when there is no different token', async () => {
    server.use(pagedHandler('/schools', () => [], { token: () => 'nobody-has-this' }));
    const { district } = setup();
    await expect(collect(district.getSchools())).rejects.toMatchObject({ code: 'CLEVER_AUTH_FAILED' });
  });
});

describe('circuit breaker per host', () => {
  it('opens after consecutive failures, fails fast without calling Clever, and half-opens later', async () => {
    useFakeTime();
    let calls = 0;
    let healthy = false;
    server.use(
      http.get(`${V}/schools`, () => {
        calls++;
        return healthy
          ? HttpResponse.json({ data: [], links: [] })
          : HttpResponse.json({ message: 'down' }, { status: 503 });
      }),
    );
    const { district, lines } = setup({
      CLEVER_RETRY_COUNT: '0',
      CLEVER_CIRCUIT_BREAKER_FAILURES: '3',
      CLEVER_CIRCUIT_BREAKER_HALF_OPEN_MS: '5000',
    });
    for (let i = 0; i < 3; i++)
      await expect(collect(district.getSchools())).rejects.toMatchObject({ status: 503 });
    const open = await collect(district.getSchools()).catch((e: unknown) => e);
    expect(isCircuitOpen(open)).toBe(true);
    expect(open).toMatchObject({ code: 'CLEVER_REQUEST_FAILED', transient: true });
    expect(calls).toBe(3);
    expect(lines.some((l) => JSON.parse(l).event === 'clever.circuit.open')).toBe(true);

    healthy = true;
    vi.advanceTimersByTime(5_000);
    expect(await collect(district.getSchools())).toEqual([]);
    expect(calls).toBe(4);
  });

  it('does not count 404s or 429s as host failures', async () => {
    useFakeTime();
    server.use(http.get(`${V}/users/:id`, () => HttpResponse.json({ message: 'gone' }, { status: 404 })));
    const { district } = setup({ CLEVER_CIRCUIT_BREAKER_FAILURES: '2' });
    for (let i = 0; i < 4; i++)
      await expect(district.getUser(oid(i + 1))).rejects.toBeInstanceOf(CleverNotFoundError);
  });
});

describe('secrets', () => {
  it('never puts the token in errors, their JSON or the logs', async () => {
    useFakeTime();
    server.use(
      http.get(`${V}/schools`, () => HttpResponse.json({ message: `bad token ${TOKEN}` }, { status: 503 })),
      pagedHandler('/schools/s1/users', () => [], { token: () => 'other' }),
    );
    const { district, lines } = setup({ CLEVER_RETRY_COUNT: '1' });
    const errors = [
      await drive(collect(district.getSchools())).catch((e: unknown) => e),
      await collect(district.getStudents('s1')).catch((e: unknown) => e),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).not.toHaveProperty('config');
      expect(error).not.toHaveProperty('response');
      const visible = `${(error as Error).message} ${JSON.stringify(error)} ${JSON.stringify(toLogObject(error))}`;
      expect(visible).not.toContain(TOKEN);
      expect(visible).not.toMatch(/authorization|bearer/i);
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});
