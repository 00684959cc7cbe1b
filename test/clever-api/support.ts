import { HttpResponse, http } from 'msw';
import { vi } from 'vitest';
import type { CleverTokenProvider, DistrictToken } from '../../src/clever/auth/token-provider.js';
import { type AppConfig, loadConfigSync } from '../../src/config/index.js';
import { AppError } from '../../src/errors.js';

export const API = 'https://api.clever.test';
export const V = `${API}/v3.0`;
export const DISTRICT = '5f0000000000000000000d01';
export const TOKEN = 'district-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

export function testConfig(env: Record<string, string> = {}): Pick<AppConfig, 'clever' | 'sync'> {
  return loadConfigSync({ CLEVER_API_BASE_URL: API, ...env });
}

/** 24-hex ids that sort like the numbers they encode, as Clever's ObjectIds sort by id. */
export function oid(n: number): string {
  return n.toString(16).padStart(24, '0');
}

export function user(
  n: number,
  role: 'student' | 'teacher' = 'student',
  extra: Record<string, unknown> = {},
) {
  const id = oid(n);
  return {
    id,
    district: DISTRICT,
    name: { first: `F${n}`, last: `L${n}` },
    created: '2024-01-01T00:00:00.000Z',
    last_modified: '2024-06-01T00:00:00.000Z',
    roles: { [role]: { sis_id: `sis-${n}`, school: 'school-1', schools: ['school-1'] } },
    ...extra,
  };
}

/** A token provider with the auth service's contract, for one or more districts. */
export class FakeTokens implements CleverTokenProvider {
  readonly current = new Map<string, string>();
  private readonly pending = new Map<string, string>();
  refreshCalls = 0;

  constructor(tokens: Record<string, string> = { [DISTRICT]: TOKEN }) {
    for (const [district, token] of Object.entries(tokens)) this.current.set(district, token);
  }

  /** Clever rotated the token: discovery now returns `token`; callers still hold the old one. */
  rotate(districtId: string, token: string): void {
    this.pending.set(districtId, token);
  }

  async listDistricts(): Promise<DistrictToken[]> {
    return [...this.current].map(([districtId, accessToken]) => ({
      districtId,
      accessToken,
      scopes: ['read:district_admins'],
      source: 'discovery' as const,
    }));
  }

  async getToken(districtId: string): Promise<string> {
    const token = this.current.get(districtId);
    if (!token) throw new AppError('CLEVER_DISTRICT_DISCONNECTED', `District ${districtId} is not connected`);
    return token;
  }

  async refreshAfterUnauthorized(districtId: string, rejected: string): Promise<string> {
    this.refreshCalls++;
    const next = this.pending.get(districtId);
    if (next && next !== rejected) {
      this.pending.delete(districtId);
      this.current.set(districtId, next);
      return next;
    }
    throw new AppError('CLEVER_AUTH_FAILED', `Clever rejected the token of district ${districtId}`);
  }
}

export interface PagedOptions {
  /** Extra response headers per request (e.g. X-RateLimit-*). */
  headers?: () => Record<string, string>;
  /** Requests seen, as path + query. */
  seen?: string[];
  /** Accepted bearer token (default TOKEN). */
  token?: () => string;
  /** Clever's per-token fixed-window budget: 429 beyond it, X-RateLimit-* headers always. */
  budget?: FixedWindowBudget;
}

/**
 * Clever's rate limit as documented: a fixed window reset each minute, counted on arrival,
 * X-RateLimit-* on every answer, 429 (without Retry-After) beyond the limit.
 */
export class FixedWindowBudget {
  /** Arrival times of accepted requests. */
  readonly accepted: number[] = [];
  rejected = 0;
  private readonly used = new Map<number, number>();

  constructor(
    readonly limit: number,
    /** Requests another process already spent in the current window. */
    preUsed = 0,
  ) {
    if (preUsed > 0) this.used.set(Math.floor(Date.now() / 60_000), preUsed);
  }

  take(): { ok: boolean; headers: Record<string, string> } {
    const window = Math.floor(Date.now() / 60_000);
    const used = (this.used.get(window) ?? 0) + 1;
    this.used.set(window, used);
    const headers = {
      'X-RateLimit-Bucket': 'token',
      'X-RateLimit-Limit': String(this.limit),
      'X-RateLimit-Remaining': String(Math.max(0, this.limit - used)),
      'X-RateLimit-Reset': String((window + 1) * 60),
    };
    if (used > this.limit) {
      this.rejected++;
      return { ok: false, headers };
    }
    this.accepted.push(Date.now());
    return { ok: true, headers };
  }

  /** The most requests accepted within any 60 s interval. */
  maxPerMinute(): number {
    let max = 0;
    let start = 0;
    for (let end = 0; end < this.accepted.length; end++) {
      while ((this.accepted[end] ?? 0) - (this.accepted[start] ?? 0) >= 60_000) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }
}

/**
 * An msw handler paging `records` the way Clever does: sorted by id, `limit` (default 100, 413
 * above 10000), `starting_after`, and a relative `next` link with the version prefix that keeps the
 * request's other query parameters.
 */
export function pagedHandler(path: string, records: () => { id: string }[], options: PagedOptions = {}) {
  return http.get(`${V}${path}`, ({ request }) => {
    const url = new URL(request.url);
    options.seen?.push(`${url.pathname}${url.search}`);
    const gate = options.budget?.take();
    const extra = { ...gate?.headers, ...options.headers?.() };
    if (gate && !gate.ok)
      return HttpResponse.json({ message: 'Too Many Requests' }, { status: 429, headers: extra });
    if (request.headers.get('authorization') !== `Bearer ${options.token?.() ?? TOKEN}`) {
      return HttpResponse.json({ message: 'Unauthorized' }, { status: 401, headers: extra });
    }
    const limit = Number(url.searchParams.get('limit') ?? 100);
    if (limit > 10_000) return HttpResponse.json({ message: 'limit too large' }, { status: 413 });
    const after = url.searchParams.get('starting_after');
    const sorted = [...records()].sort((a, b) => a.id.localeCompare(b.id));
    const rest = after ? sorted.filter((r) => r.id > after) : sorted;
    const page = rest.slice(0, limit);
    const links = [{ rel: 'self', uri: `${url.pathname}${url.search}` }];
    const last = page.at(-1);
    if (last && rest.length > page.length) {
      const next = new URL(url);
      next.searchParams.set('starting_after', last.id);
      links.push({ rel: 'next', uri: `${next.pathname}${next.search}` });
    }
    return HttpResponse.json(
      { data: page.map((r) => ({ data: r, uri: `/v3.0/x/${r.id}` })), links },
      { headers: extra },
    );
  });
}

/** Collects every page of an async iterable (tests only: production code never does this). */
export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const all: T[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/**
 * Runs `work` under fake timers: lets real I/O (msw) progress first, and only when nothing else can
 * happen jumps the clock to the next timer (a retry delay or a rate-limit wait). Waits of any
 * length finish instantly and in the order they would happen.
 */
export async function drive<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = work.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined);
  while (!settled) {
    for (let i = 0; i < 20 && !settled; i++) await new Promise((resolve) => setImmediate(resolve));
    if (!settled && vi.getTimerCount() > 0) await vi.advanceTimersToNextTimerAsync();
  }
  return tracked;
}

/** Fakes only timers and Date: msw and sockets keep their real setImmediate / I/O. */
export function useFakeTime(startIso = '2025-01-06T10:00:00.000Z'): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date(startIso) });
}
