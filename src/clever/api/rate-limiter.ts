/**
 * The request budget of one Clever bearer token: 1,200 requests per minute by default, shared by
 * every concurrent school sync that uses the token. Three rules decide whether a request may start:
 *
 * 1. Local sliding window: at most `limitPerMinute` starts in any 60 s. Any 60 s interval, so it
 *    also holds for Clever's fixed, minute-aligned window whatever its alignment to our clock.
 * 2. Server view: `X-RateLimit-Remaining` / `X-RateLimit-Reset` of the latest answers. Clever's
 *    counter also sees other processes using the same token; when it says 0 remain, everyone waits
 *    for the reset (plus jitter so the waiters don't stampede at the same millisecond).
 * 3. After a 429: everyone waits until `X-RateLimit-Reset` plus jitter (Clever sends no
 *    Retry-After), or for the exponential backoff delay when the header is missing or unusable.
 *
 * Callers queue in FIFO order, so a waiting school cannot be starved by a newer one.
 */

export type RateLimitWaitReason = 'budget' | 'server-remaining' | 'rate-limited';

export interface RateLimitWait {
  waitMs: number;
  reason: RateLimitWaitReason;
  /**
   * Callers paused by this wait (the one waiting plus those queued behind it). Queued callers are
   * not reported separately: one event is one pause of the token.
   */
  callers: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Real time; vitest fake timers replace both Date and setTimeout, so tests need no custom clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface TokenRateLimiterOptions {
  limitPerMinute: number;
  /** Upper bound of the random delay added to reset-based waits. */
  jitterMs: number;
  clock?: Clock;
  random?: () => number;
  /** Called before every wait, with its duration (for logs, counters and benchmarks). */
  onWait?: (wait: RateLimitWait) => void;
}

const WINDOW_MS = 60_000;

/** Clever's window is one minute: a reset further ahead than this means clock skew, not a real wait. */
const MAX_RESET_AHEAD_MS = WINDOW_MS + 5_000;

export interface RateLimitState {
  /** Most restrictive remaining count Clever reported (comma-separated values: the smallest). */
  remaining?: number;
  /** Reset of that bucket, epoch ms. */
  resetAtMs?: number;
  limit?: number;
}

export class TokenRateLimiter {
  private readonly stamps: number[] = [];
  private serverRemaining: number | undefined;
  private serverResetAtMs: number | undefined;
  private serverWaitUntilMs = 0;
  private blockedUntilMs = 0;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: TokenRateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** Resolves when one request may start; the start is counted against the budget. */
  acquire(): Promise<void> {
    this.pending++;
    const turn = this.queue.then(() => this.take()).finally(() => this.pending--);
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Feeds the X-RateLimit-* headers of any answer (2xx or not) into the server view. */
  observe(headers: unknown): void {
    const state = readRateLimitHeaders(headers);
    if (state.remaining === undefined || state.resetAtMs === undefined) return;
    const now = this.clock.now();
    // A reset in the past is a late answer from an earlier window (or clock skew): nothing to learn.
    if (state.resetAtMs <= now) return;
    const resetAtMs = Math.min(state.resetAtMs, now + MAX_RESET_AHEAD_MS);
    const current = this.serverResetAtMs;
    if (current === undefined || resetAtMs > current + 1_000) {
      this.serverResetAtMs = resetAtMs;
      this.serverRemaining = state.remaining;
      this.serverWaitUntilMs = resetAtMs + this.jitter();
    } else if (resetAtMs >= current - 1_000) {
      // Same window: answers arrive out of order, so keep the lowest count seen.
      this.serverRemaining = Math.min(this.serverRemaining ?? state.remaining, state.remaining);
    }
  }

  /**
   * Records a 429 and returns how long everyone using this token now waits: until
   * X-RateLimit-Reset plus jitter, or `fallbackMs` (the exponential backoff) without a usable header.
   */
  rateLimited(headers: unknown, fallbackMs: number): number {
    const now = this.clock.now();
    const { resetAtMs } = readRateLimitHeaders(headers);
    const usable = resetAtMs !== undefined && resetAtMs > now && resetAtMs <= now + MAX_RESET_AHEAD_MS;
    const until = (usable ? resetAtMs : now + fallbackMs) + this.jitter();
    this.blockedUntilMs = Math.max(this.blockedUntilMs, until);
    return this.blockedUntilMs - now;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const wait = this.nextWait(now);
      if (!wait) {
        this.stamps.push(now);
        if (this.serverRemaining !== undefined) this.serverRemaining -= 1;
        return;
      }
      this.options.onWait?.({ ...wait, callers: this.pending });
      await this.clock.sleep(wait.waitMs);
    }
  }

  private nextWait(now: number): Omit<RateLimitWait, 'callers'> | undefined {
    if (this.blockedUntilMs > now) return { waitMs: this.blockedUntilMs - now, reason: 'rate-limited' };
    if (this.serverRemaining !== undefined && this.serverRemaining <= 0 && this.serverWaitUntilMs > now) {
      return { waitMs: this.serverWaitUntilMs - now, reason: 'server-remaining' };
    }
    if (this.serverResetAtMs !== undefined && now >= this.serverResetAtMs) {
      // Clever's window rolled over: its old count says nothing about the new one.
      this.serverResetAtMs = undefined;
      this.serverRemaining = undefined;
    }
    while (this.stamps.length > 0 && (this.stamps[0] ?? 0) <= now - WINDOW_MS) this.stamps.shift();
    if (this.stamps.length >= this.options.limitPerMinute) {
      const oldest = this.stamps[0] ?? now;
      return { waitMs: Math.max(1, oldest + WINDOW_MS - now), reason: 'budget' };
    }
    return undefined;
  }

  private jitter(): number {
    return Math.floor(this.random() * this.options.jitterMs);
  }
}

/**
 * Reads X-RateLimit-Limit / -Remaining / -Reset. Values have been seen comma-separated
 * (`200, 1200`), one per bucket: the bucket with the fewest remaining requests is the one that
 * binds, so its reset is used (when the lists don't pair up: the smallest remaining, latest reset).
 */
export function readRateLimitHeaders(headers: unknown): RateLimitState {
  const remaining = numbers(header(headers, 'x-ratelimit-remaining'));
  const resets = numbers(header(headers, 'x-ratelimit-reset'));
  const limits = numbers(header(headers, 'x-ratelimit-limit'));
  const state: RateLimitState = {};
  if (limits.length > 0) state.limit = Math.min(...limits);
  if (remaining.length === 0) {
    if (resets.length > 0) state.resetAtMs = Math.max(...resets) * 1000;
    return state;
  }
  state.remaining = Math.min(...remaining);
  if (resets.length === remaining.length) {
    let best = 0;
    for (let i = 1; i < remaining.length; i++) {
      const r = remaining[i] ?? Number.POSITIVE_INFINITY;
      const b = remaining[best] ?? Number.POSITIVE_INFINITY;
      if (r < b || (r === b && (resets[i] ?? 0) > (resets[best] ?? 0))) best = i;
    }
    state.resetAtMs = (resets[best] ?? 0) * 1000;
  } else if (resets.length > 0) {
    state.resetAtMs = Math.max(...resets) * 1000;
  }
  return state;
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const record = headers as Record<string, unknown> & { get?: (n: string) => unknown };
  const value = typeof record.get === 'function' ? record.get(name) : record[name];
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function numbers(value: string | undefined): number[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number)
    .filter((n) => Number.isFinite(n) && n >= 0);
}
