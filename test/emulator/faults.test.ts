import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, type FaultRule, startEmulator } from '../../emulator/index.js';
import { basicAuth, districtToken, get, jsonOf, relLink } from './helpers.js';

let emu: EmulatorHandle;
let districtId: string;
let schools: string[];

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'faults',
    schoolsPerDistrict: 3,
    studentsPerSchool: 30,
    teachersPerSchool: 2,
    rateLimitPerMinute: 100_000,
  });
  districtId = emu.districts[0]!.id;
  schools = [...emu.truth.schools(districtId)].map((s) => s.id);
});

afterEach(() => {
  emu.faults.clear();
  emu.resetStats();
});

afterAll(() => emu.stop());

const studentsPath = (schoolId: string) => `/v3.0/schools/${schoolId}/users?role=student&limit=10`;

describe('fault injection', () => {
  it.each([500, 502, 503])('answers %i with a JSON message for one targeted school only', async (status) => {
    emu.faults.set([{ kind: 'status', status, route: '/schools/{id}/users', id: schools[1] }]);
    const token = districtToken(emu);
    const failing = await get(emu, studentsPath(schools[1]!), token);
    expect(failing.status).toBe(status);
    expect(failing.body.message).toBeTruthy();
    expect(failing.headers.get('x-ratelimit-limit')).toBeTruthy();
    expect((await get(emu, studentsPath(schools[0]!), token)).status).toBe(200);
    expect((await get(emu, `/v3.0/schools/${schools[1]}`, token)).status).toBe(200);
  });

  it('serves HTML error pages', async () => {
    emu.faults.set([{ kind: 'html', status: 503 }]);
    const response = await get(emu, '/v3.0/schools', districtToken(emu));
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.text).toMatch(/^<html>/);
    expect(response.body).toBeUndefined();
  });

  it('truncates JSON bodies of successful responses', async () => {
    emu.faults.set([{ kind: 'truncate', route: '/schools' }]);
    const response = await get(emu, '/v3.0/schools', districtToken(emu));
    expect(response.status).toBe(200);
    expect(response.text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(response.text)).toThrow();
  });

  it('link-cycle: pages after the first link back to the first page', async () => {
    emu.faults.set([{ kind: 'link-cycle', route: '/schools/{id}/users' }]);
    const token = districtToken(emu);
    const first = await get(emu, studentsPath(schools[0]!), token);
    const next = relLink(first.body, 'next')!;
    expect(next).toContain('starting_after=');
    const second = await get(emu, next, token);
    expect(second.status).toBe(200);
    expect(relLink(second.body, 'next')).toBe(studentsPath(schools[0]!));
  });

  it('resets connections and counts them', async () => {
    emu.faults.set([{ kind: 'reset', route: '/schools', count: 1 }]);
    const token = districtToken(emu);
    await expect(get(emu, '/v3.0/schools', token)).rejects.toThrow();
    expect((await get(emu, '/v3.0/schools', token)).status).toBe(200);
    expect(emu.stats().byRoute['/schools']).toEqual({ reset: 1, 200: 1 });
  });

  it('sends 429 bursts with X-RateLimit-Reset and no Retry-After, then recovers', async () => {
    emu.faults.set([{ kind: 'rate-limit', after: 1, count: 2, resetInSeconds: 2 }]);
    const token = districtToken(emu);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await get(emu, '/v3.0/schools', token);
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get('retry-after')).toBeNull();
        expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
        expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(
          Math.floor(emu.now() / 1000),
        );
      }
    }
    expect(statuses).toEqual([200, 429, 429, 200, 200]);
  });

  it('adds latency (fixed plus seeded jitter) before answering', async () => {
    emu.faults.set([{ kind: 'latency', latencyMs: 120, jitterMs: 30, route: '/districts' }]);
    const started = performance.now();
    const response = await get(emu, '/v3.0/districts', districtToken(emu));
    expect(response.status).toBe(200);
    // Only a lower bound: the emulator cannot answer before its injected delay.
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    expect(emu.faults.list()[0]).toMatchObject({ seen: 1, fired: 1 });
  });

  it('draws probabilistic faults from the seed: same seed, same sequence', async () => {
    const run = async (seed: string) => {
      emu.faults.set({
        seed,
        rules: [{ kind: 'status', status: 500, probability: 0.5, route: '/districts' }],
      });
      const out: number[] = [];
      for (let i = 0; i < 16; i++) out.push((await get(emu, '/v3.0/districts', districtToken(emu))).status);
      return out;
    };
    const first = await run('alpha');
    expect(await run('alpha')).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run('beta')).not.toEqual(first);
  });

  it('rotates the token mid-sync: the old token gets 401 and the new one is listed', async () => {
    const oldToken = districtToken(emu);
    emu.faults.set([{ kind: 'rotate-token', after: 2 }]);
    expect((await get(emu, studentsPath(schools[0]!), oldToken)).status).toBe(200);
    expect((await get(emu, studentsPath(schools[0]!), oldToken)).status).toBe(200);
    expect((await get(emu, studentsPath(schools[0]!), oldToken)).status).toBe(401);
    const listed = await fetch(`${emu.tokensUrl}?owner_type=district`, {
      headers: { authorization: basicAuth(emu.clientId, emu.clientSecret) },
    }).then(jsonOf);
    const newToken = listed.data[0].access_token as string;
    expect(newToken).not.toBe(oldToken);
    expect(newToken).toBe(districtToken(emu));
    expect((await get(emu, studentsPath(schools[0]!), newToken)).status).toBe(200);
    expect((await get(emu, studentsPath(schools[0]!), oldToken)).status).toBe(401);
  });

  it('disconnects the district mid-sync: 401 and no token listed', async () => {
    const token = districtToken(emu);
    emu.faults.set([{ kind: 'disconnect-district', after: 1 }]);
    try {
      expect((await get(emu, '/v3.0/schools', token)).status).toBe(200);
      expect((await get(emu, '/v3.0/schools', token)).status).toBe(401);
      const listed = await fetch(`${emu.tokensUrl}?owner_type=district`, {
        headers: { authorization: basicAuth(emu.clientId, emu.clientSecret) },
      }).then(jsonOf);
      expect(listed.data).toEqual([]);
      expect(emu.districts[0]!.token).toBeUndefined();
    } finally {
      emu.admin.reconnectDistrict(districtId);
    }
  });

  it('unshares a school mid-sync: its pages answer 404 from then on', async () => {
    const target = emu.admin.addSchool(districtId);
    const student = emu.admin.createUser(districtId, { role: 'student', schoolId: target.id });
    emu.admin.createUser(districtId, { role: 'student', schoolId: target.id });
    emu.faults.set([
      { kind: 'unshare-school', schoolId: target.id, route: '/schools/{id}/users', id: target.id, after: 1 },
    ]);
    const token = districtToken(emu);
    const path = `/v3.0/schools/${target.id}/users?role=student&limit=1`;
    const first = await get(emu, path, token);
    expect(first.status).toBe(200);
    const next = first.body.links.find((l: { rel: string }) => l.rel === 'next').uri;
    const second = await get(emu, next, token);
    expect(second.status).toBe(404);
    expect((await get(emu, `/v3.0/schools/${target.id}`, token)).status).toBe(404);
    expect((await get(emu, `/v3.0/users/${student.id}`, token)).status).toBe(404);
    expect(emu.truth.events(districtId).map((e) => e.type)).toContain('schools.deleted');
  });

  it('leaves the token endpoint alone unless a rule names it', async () => {
    const auth = { authorization: basicAuth(emu.clientId, emu.clientSecret) };
    emu.faults.set([{ kind: 'status', status: 500 }]);
    expect((await fetch(`${emu.tokensUrl}?owner_type=district`, { headers: auth })).status).toBe(200);
    expect((await get(emu, '/v3.0/districts', districtToken(emu))).status).toBe(500);

    emu.faults.set([{ kind: 'status', status: 503, route: '/oauth/tokens', count: 1 }]);
    expect((await fetch(`${emu.tokensUrl}?owner_type=district`, { headers: auth })).status).toBe(503);
    expect((await fetch(`${emu.tokensUrl}?owner_type=district`, { headers: auth })).status).toBe(200);
    expect(emu.stats().byRoute['/oauth/tokens']).toEqual({ 503: 1, 200: 2 });
  });

  it('rejects invalid rules with a message naming the field', () => {
    expect(() => emu.faults.set([{ kind: 'status', status: 200 } as FaultRule])).toThrow(/status/);
    expect(() => emu.faults.add({ kind: 'explode' } as unknown as FaultRule)).toThrow(/kind/);
    expect(() => emu.faults.set([{ kind: 'latency', latencyMs: 1, probability: 2 }])).toThrow(/probability/);
  });
});

describe('request statistics', () => {
  it('counts requests by route template and status, and resets', async () => {
    const token = districtToken(emu);
    await get(emu, '/v3.0/schools', token);
    await get(emu, `/v3.0/schools/${schools[0]}/users?role=student`, token);
    await get(emu, `/v3.0/schools/${schools[1]}/users?role=teacher`, token);
    await get(emu, '/v3.0/users/ffffffffffffffffffffffff', token);
    await get(emu, '/v3.0/schools');
    const stats = emu.stats();
    expect(stats.total).toBe(5);
    expect(stats.byRoute).toEqual({
      '/schools': { 200: 1, 401: 1 },
      '/schools/{id}/users': { 200: 2 },
      '/users/{id}': { 404: 1 },
    });
    expect(stats.byStatus).toEqual({ 200: 3, 401: 1, 404: 1 });
    emu.resetStats();
    expect(emu.stats()).toEqual({ total: 0, byRoute: {}, byStatus: {} });
  });
});
