import { createHash } from 'node:crypto';

export interface RateLimitState {
  allowed: boolean;
  bucket: string;
  limit: number;
  remaining: number;
  /** Unix seconds when the current window ends. */
  resetSeconds: number;
}

const MINUTE_MS = 60_000;

/**
 * Clever's budget: a fixed one-minute window per bearer token (1,200 by default), reset on the
 * minute. Windows are aligned to the emulator clock's minutes (or `windowMs` multiples).
 */
export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
    private readonly windowMs: number = MINUTE_MS,
  ) {}

  /** A bucket name that identifies the token without revealing it. */
  static bucketFor(token: string): string {
    return `token-${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
  }

  private current(bucket: string) {
    const window = Math.floor(this.now() / this.windowMs);
    let entry = this.windows.get(bucket);
    if (entry === undefined || entry.window !== window) {
      entry = { window, count: 0 };
      this.windows.set(bucket, entry);
    }
    return entry;
  }

  private state(bucket: string, entry: { window: number; count: number }, allowed: boolean): RateLimitState {
    return {
      allowed,
      bucket,
      limit: this.limit,
      remaining: Math.max(0, this.limit - entry.count),
      resetSeconds: ((entry.window + 1) * this.windowMs) / 1000,
    };
  }

  /** Counts one request against the token's window. */
  hit(bucket: string): RateLimitState {
    const entry = this.current(bucket);
    if (entry.count >= this.limit) return this.state(bucket, entry, false);
    entry.count++;
    return this.state(bucket, entry, true);
  }

  /** The window as it stands, without counting (headers of unauthenticated answers). */
  peek(bucket: string): RateLimitState {
    return this.state(bucket, this.current(bucket), true);
  }

  /** Whether one more request fits the window, without counting it. */
  wouldAllow(bucket: string): boolean {
    return this.current(bucket).count < this.limit;
  }

  /** A 429 burst fault: the window is exhausted until it resets. */
  exhaust(bucket: string): RateLimitState {
    const entry = this.current(bucket);
    entry.count = Math.max(entry.count, this.limit);
    return this.state(bucket, entry, false);
  }
}

/**
 * Every window a token is counted in: the optional shorter one first, then the minute, as real
 * answers list two buckets (`X-RateLimit-Limit: 200, 1200`). A request is let through only when
 * every window has room, and then counts in all of them.
 */
export class RateLimitBuckets {
  private readonly windows: { limiter: FixedWindowRateLimiter; suffix: string }[];

  constructor(
    minute: FixedWindowRateLimiter,
    burst?: { limiter: FixedWindowRateLimiter; windowSeconds: number },
  ) {
    this.windows = [
      ...(burst === undefined ? [] : [{ limiter: burst.limiter, suffix: `-${burst.windowSeconds}s` }]),
      { limiter: minute, suffix: '' },
    ];
  }

  hit(bucket: string): RateLimitState[] {
    const allowed = this.windows.every(({ limiter, suffix }) => limiter.wouldAllow(bucket + suffix));
    return this.windows.map(({ limiter, suffix }) =>
      allowed ? limiter.hit(bucket + suffix) : { ...limiter.peek(bucket + suffix), allowed: false },
    );
  }

  peek(bucket: string): RateLimitState[] {
    return this.windows.map(({ limiter, suffix }) => limiter.peek(bucket + suffix));
  }
}
