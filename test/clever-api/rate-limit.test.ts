import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CleverRateLimitWaitEvent,
  createCleverApiClient,
  readRateLimitHeaders,
} from '../../src/clever/api/index.js';
import { createCapturingLogger } from '../../src/telemetry/index.js';
import {
  collect,
  DISTRICT,
  drive,
  FakeTokens,
  FixedWindowBudget,
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

function setup(env: Record<string, string> = {}) {
  const waits: CleverRateLimitWaitEvent[] = [];
  const { logger, lines } = createCapturingLogger();
  const api = createCleverApiClient({
    config: testConfig(env),
    tokens: new FakeTokens(),
    logger,
    hooks: { onRateLimitWait: (event) => waits.push(event) },
    random: () => 0.5,
  });
  return { api, waits, lines, district: api.forDistrict(DISTRICT) };
}

const epochSeconds = () => Math.floor(Date.now() / 1000);

describe('readRateLimitHeaders', () => {
  it('reads single values', () => {
    expect(
      readRateLimitHeaders({
        'x-ratelimit-limit': '1200',
        'x-ratelimit-remaining': '17',
        'x-ratelimit-reset': '1700000060',
      }),
    ).toEqual({ limit: 1200, remaining: 17, resetAtMs: 1_700_000_060_000 });
  });

  it('takes the most restrictive of comma-separated buckets, with that bucket’s reset', () => {
    expect(
      readRateLimitHeaders({
        'x-ratelimit-limit': '200, 1200',
        'x-ratelimit-remaining': '150, 3',
        'x-ratelimit-reset': '1700000010, 1700000060',
      }),
    ).toEqual({ limit: 200, remaining: 3, resetAtMs: 1_700_000_060_000 });
  });

  it('ignores garbage and empty parts', () => {
    expect(readRateLimitHeaders({ 'x-ratelimit-remaining': 'abc, ', 'x-ratelimit-reset': '' })).toEqual({});
    expect(readRateLimitHeaders(undefined)).toEqual({});
  });
});

describe('429 and X-RateLimit-*', () => {
  it('on 429 waits until X-RateLimit-Reset plus jitter, logs the wait, then succeeds', async () => {
    useFakeTime();
    const reset = epochSeconds() + 20;
    const arrivals: number[] = [];
    server.use(
      http.get(`${V}/schools`, () => {
        arrivals.push(Date.now());
        if (arrivals.length === 1) {
          return HttpResponse.json(
            { message: 'Too Many Requests' },
            { status: 429, headers: { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) } },
          );
        }
        return HttpResponse.json({ data: [{ data: { id: oid(1), name: 'S' } }], links: [] });
      }),
    );
    const { api, district, waits, lines } = setup();
    const pages = await drive(collect(district.getSchools()));
    expect(pages.flat()).toHaveLength(1);
    // random() = 0.5 of the default 1000 ms jitter.
    expect(waits).toEqual([{ districtId: DISTRICT, reason: 'rate-limited', waitMs: 20_500, callers: 1 }]);
    expect(arrivals[1]! - arrivals[0]!).toBe(20_500);
    expect(api.metrics()).toMatchObject({ rateLimited: 1, rateLimitWaits: 1, rateLimitWaitMs: 20_500 });
    const logged = lines.map((line) => JSON.parse(line)).filter((l) => l.event === 'clever.rateLimit.wait');
    expect(logged).toEqual([
      expect.objectContaining({ districtId: DISTRICT, reason: 'rate-limited', waitMs: 20_500 }),
    ]);
  });

  it('on 429 without X-RateLimit-Reset falls back to exponential backoff (2 s, 4 s, ...)', async () => {
    useFakeTime();
    let calls = 0;
    server.use(
      http.get(`${V}/schools`, () => {
        calls++;
        if (calls <= 2) return HttpResponse.json({ message: 'slow down' }, { status: 429 });
        return HttpResponse.json({ data: [], links: [] });
      }),
    );
    const { district, waits } = setup();
    await drive(collect(district.getSchools()));
    expect(waits.map((w) => w.waitMs)).toEqual([2_500, 4_500]);
    expect(calls).toBe(3);
  });

  it('waits for the reset when Clever reports 0 remaining, before any 429', async () => {
    useFakeTime();
    // Another process already spent 28 of this token's 30 requests in this window.
    const budget = new FixedWindowBudget(30, 28);
    server.use(pagedHandler('/schools/s1/users', () => [1, 2, 3, 4, 5].map((n) => user(n)), { budget }));
    const { district, waits } = setup({ CLEVER_RATE_LIMIT_PER_MINUTE: '30' });
    const pages = await drive(collect(district.getStudents('s1', undefined, { pageSize: 1 })));
    expect(pages.flat()).toHaveLength(5);
    expect(budget.rejected).toBe(0);
    expect(waits).toHaveLength(1);
    expect(waits[0]?.reason).toBe('server-remaining');
  });

  it('follows the binding bucket of comma-separated headers', async () => {
    useFakeTime('2025-01-06T10:00:30.000Z');
    const arrivals: number[] = [];
    const soon = epochSeconds() + 10;
    const later = epochSeconds() + 30;
    server.use(
      http.get(`${V}/schools`, ({ request }) => {
        arrivals.push(Date.now());
        const after = new URL(request.url).searchParams.get('starting_after');
        return HttpResponse.json(
          {
            data: [{ data: { id: after ? oid(2) : oid(1), name: 'S' } }],
            links: after ? [] : [{ rel: 'next', uri: `/v3.0/schools?limit=100&starting_after=${oid(1)}` }],
          },
          {
            headers: {
              'X-RateLimit-Limit': '200, 1200',
              'X-RateLimit-Remaining': '150, 0',
              'X-RateLimit-Reset': `${soon}, ${later}`,
            },
          },
        );
      }),
    );
    const { district, waits } = setup();
    await drive(collect(district.getSchools()));
    expect(waits).toEqual([{ districtId: DISTRICT, reason: 'server-remaining', waitMs: 30_500, callers: 1 }]);
    expect(arrivals[1]! - arrivals[0]!).toBe(30_500);
  });

  it('keeps 5 concurrent consumers of one token under the per-minute budget', async () => {
    useFakeTime();
    const budget = new FixedWindowBudget(30);
    const roster = (school: number) => Array.from({ length: 40 }, (_, i) => user(school * 1000 + i));
    server.use(
      ...[1, 2, 3, 4, 5].map((school) =>
        pagedHandler(`/schools/s${school}/users`, () => roster(school), { budget }),
      ),
    );
    const { api, district, waits } = setup({ CLEVER_RATE_LIMIT_PER_MINUTE: '30' });
    const started = Date.now();
    const counts = await drive(
      Promise.all(
        [1, 2, 3, 4, 5].map(async (school) => {
          let count = 0;
          for await (const page of district.getStudents(`s${school}`, undefined, { pageSize: 4 })) {
            count += page.length;
          }
          return count;
        }),
      ),
    );
    expect(counts).toEqual([40, 40, 40, 40, 40]);
    expect(api.metrics().requests).toBe(50);
    expect(budget.rejected).toBe(0);
    expect(budget.maxPerMinute()).toBeLessThanOrEqual(30);
    // One pause of the token, until Clever's window resets, holding back every consumer.
    expect(waits).toEqual([{ districtId: DISTRICT, reason: 'server-remaining', waitMs: 60_500, callers: 5 }]);
    // 50 requests at 30 per minute need a second window.
    expect(Date.now() - started).toBeGreaterThanOrEqual(60_000);
  });

  it('keeps the budget from its own count when Clever sends no rate-limit headers', async () => {
    useFakeTime('2025-01-06T10:00:20.000Z');
    const arrivals: number[] = [];
    const roster = Array.from({ length: 12 }, (_, i) => user(i + 1));
    server.use(pagedHandler('/schools/s1/users', () => roster));
    server.events.on('request:start', () => arrivals.push(Date.now()));
    const { district, waits } = setup({ CLEVER_RATE_LIMIT_PER_MINUTE: '5' });
    const started = Date.now();
    await drive(collect(district.getStudents('s1', undefined, { pageSize: 1 })));
    server.events.removeAllListeners();
    expect(arrivals).toHaveLength(12);
    // Sliding window: never more than 5 starts in any 60 s, whatever Clever's window alignment.
    for (let i = 5; i < arrivals.length; i++)
      expect(arrivals[i]! - arrivals[i - 5]!).toBeGreaterThanOrEqual(60_000);
    expect(waits.map((w) => w.reason)).toEqual(['budget', 'budget']);
    expect(Date.now() - started).toBe(120_000);
  });

  it('never logs the token while observing rate-limit headers', async () => {
    useFakeTime();
    const { district, lines } = setup();
    server.use(pagedHandler('/schools', () => [], { headers: () => ({ 'X-RateLimit-Remaining': '5' }) }));
    await drive(collect(district.getSchools()));
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});
