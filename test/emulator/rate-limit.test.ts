import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../emulator/index.js';
import { districtToken, get } from './helpers.js';

let emu: EmulatorHandle;
// 10 s into a minute, so the window's end is known exactly.
let now = Date.UTC(2025, 0, 6, 12, 0, 10);

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'rate',
    districts: 2,
    schoolsPerDistrict: 1,
    studentsPerSchool: 5,
    rateLimitPerMinute: 3,
    now: () => now,
  });
});

afterAll(() => emu.stop());

describe('per-token fixed one-minute window', () => {
  it('counts down on every response, answers 429 without Retry-After when spent, and resets on the minute', async () => {
    const token = districtToken(emu, 0);
    const windowEnd = String(Date.UTC(2025, 0, 6, 12, 1, 0) / 1000);
    const seen: string[] = [];
    for (const path of ['/v3.0/districts', '/v3.0/schools/ffffffffffffffffffffffff', '/v3.0/schools']) {
      const response = await get(emu, path, token);
      expect(response.headers.get('x-ratelimit-limit')).toBe('3');
      expect(response.headers.get('x-ratelimit-reset')).toBe(windowEnd);
      expect(response.headers.get('x-ratelimit-bucket')).toBeTruthy();
      expect(response.headers.get('x-ratelimit-bucket')).not.toContain(token);
      seen.push(`${response.status}:${response.headers.get('x-ratelimit-remaining')}`);
    }
    expect(seen).toEqual(['200:2', '404:1', '200:0']);

    const limited = await get(emu, '/v3.0/schools', token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(windowEnd);
    expect(limited.body.message).toBeTruthy();

    // Another token has its own budget.
    expect((await get(emu, '/v3.0/schools', districtToken(emu, 1))).status).toBe(200);

    now += 49_999; // 12:00:59.999: same window
    expect((await get(emu, '/v3.0/schools', token)).status).toBe(429);
    now += 1; // 12:01:00: a new window
    const fresh = await get(emu, '/v3.0/schools', token);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(fresh.headers.get('x-ratelimit-reset')).toBe(String(Date.UTC(2025, 0, 6, 12, 2, 0) / 1000));
  });

  it('puts rate-limit headers on 401 answers too', async () => {
    const response = await get(emu, '/v3.0/schools', 'not-a-token');
    expect(response.status).toBe(401);
    expect(response.headers.get('x-ratelimit-limit')).toBe('3');
  });
});
