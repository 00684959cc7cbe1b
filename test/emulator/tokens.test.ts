import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../emulator/index.js';
import { basicAuth, districtToken, get, jsonOf } from './helpers.js';

let emu: EmulatorHandle;
let now = Date.UTC(2025, 0, 6, 12, 0, 0);

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'tokens',
    districts: [{ schools: 2 }, { schools: 1 }],
    studentsPerSchool: 20,
    clientCredentialsTtlSeconds: 3600,
    now: () => now,
  });
});

afterAll(() => emu.stop());

async function listTokens(query = 'owner_type=district', auth = basicAuth(emu.clientId, emu.clientSecret)) {
  const response = await fetch(`${emu.tokensUrl}?${query}`, { headers: { authorization: auth } });
  return { status: response.status, headers: response.headers, body: await jsonOf(response) };
}

describe('GET /oauth/tokens (district-token discovery)', () => {
  it('lists one token per connected district in Clever’s shape, without rate-limit headers', async () => {
    const { status, headers, body } = await listTokens();
    expect(status).toBe(200);
    expect(body.data).toHaveLength(2);
    const [first] = body.data;
    expect(first).toMatchObject({
      owner: { type: 'district', id: emu.districts[0]!.id },
      access_token: emu.districts[0]!.token,
    });
    expect(first.id).toMatch(/^[0-9a-f]{24}$/);
    expect(Number.isNaN(Date.parse(first.created))).toBe(false);
    expect(first.scopes).toContain('read:students');
    expect(first).not.toHaveProperty('expires_in');
    expect(body.links).toEqual([{ rel: 'self', uri: '/oauth/tokens?owner_type=district' }]);
    expect(headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('filters by district', async () => {
    const second = emu.districts[1]!;
    const { body } = await listTokens(`owner_type=district&district=${second.id}`);
    expect(body.data.map((t: { owner: { id: string } }) => t.owner.id)).toEqual([second.id]);
  });

  it('answers wrong or missing client credentials with 401 and a missing owner_type with 400', async () => {
    expect((await listTokens(undefined, basicAuth(emu.clientId, 'wrong'))).status).toBe(401);
    expect((await listTokens(undefined, basicAuth('someone-else', emu.clientSecret))).status).toBe(401);
    expect((await listTokens(undefined, 'Bearer abc')).status).toBe(401);
    const wrong = await listTokens(undefined, basicAuth(emu.clientId, 'wrong'));
    expect(JSON.stringify(wrong.body)).not.toContain(emu.clientSecret);
    expect((await listTokens('owner_type=user')).status).toBe(400);
  });
});

describe('bearer token scoping', () => {
  it('shows each token exactly its own district', async () => {
    const a = emu.districts[0]!;
    const b = emu.districts[1]!;
    const tokenA = districtToken(emu, 0);
    const districts = await get(emu, '/v3.0/districts', tokenA);
    expect(districts.body.data.map((d: { data: { id: string } }) => d.data.id)).toEqual([a.id]);
    expect((await get(emu, `/v3.0/districts/${b.id}`, tokenA)).status).toBe(404);

    const schoolOfB = [...emu.truth.schools(b.id)][0]!;
    const userOfB = [...emu.truth.users(b.id)][0]!;
    expect((await get(emu, `/v3.0/schools/${schoolOfB.id}`, tokenA)).status).toBe(404);
    expect((await get(emu, `/v3.0/schools/${schoolOfB.id}/users`, tokenA)).status).toBe(404);
    expect((await get(emu, `/v3.0/users/${userOfB.id}`, tokenA)).status).toBe(404);
    expect((await get(emu, `/v3.0/users/${userOfB.id}`, districtToken(emu, 1))).status).toBe(200);

    const schoolsA = await get(emu, '/v3.0/schools', tokenA);
    expect(schoolsA.body.data).toHaveLength(2);
    expect(schoolsA.body.data.every((s: { data: { district: string } }) => s.data.district === a.id)).toBe(
      true,
    );
  });

  it('answers a missing or unknown bearer token with 401 {message} that does not echo it', async () => {
    expect((await get(emu, '/v3.0/schools')).status).toBe(401);
    const bad = await get(emu, '/v3.0/schools', 'f'.repeat(40));
    expect(bad.status).toBe(401);
    expect(bad.body.message).toBeTruthy();
    expect(bad.text).not.toContain('f'.repeat(40));
  });
});

describe('optional client_credentials mode', () => {
  async function post(body: string, headers: Record<string, string>) {
    const response = await fetch(emu.tokensUrl, { method: 'POST', body, headers });
    return { status: response.status, body: await jsonOf(response) };
  }
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('issues an expiring token that stops working after expires_in', async () => {
    const district = emu.districts[1]!.id;
    const issued = await post(`grant_type=client_credentials&district=${district}`, {
      ...form,
      authorization: basicAuth(emu.clientId, emu.clientSecret),
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'bearer', expires_in: 3600, owner: { id: district } });
    const token = issued.body.access_token as string;
    const before = await get(emu, '/v3.0/districts', token);
    expect(before.body.data[0].data.id).toBe(district);

    now += 3599_000;
    expect((await get(emu, '/v3.0/districts', token)).status).toBe(200);
    now += 1_000;
    expect((await get(emu, '/v3.0/districts', token)).status).toBe(401);
  });

  it('accepts credentials in the body and rejects wrong ones and other grants', async () => {
    const ok = await post(
      JSON.stringify({
        grant_type: 'client_credentials',
        client_id: emu.clientId,
        client_secret: emu.clientSecret,
      }),
      { 'content-type': 'application/json' },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.owner.id).toBe(emu.districts[0]!.id);
    const wrong = await post(
      `grant_type=client_credentials&client_id=${emu.clientId}&client_secret=nope`,
      form,
    );
    expect(wrong.status).toBe(401);
    const code = await post('grant_type=authorization_code&code=x', {
      ...form,
      authorization: basicAuth(emu.clientId, emu.clientSecret),
    });
    expect(code.status).toBe(400);
  });

  it('is off unless configured', async () => {
    const plain = await startEmulator({ studentsPerSchool: 1, schoolsPerDistrict: 1 });
    try {
      const response = await fetch(plain.tokensUrl, {
        method: 'POST',
        body: 'grant_type=client_credentials',
        headers: { ...form, authorization: basicAuth(plain.clientId, plain.clientSecret) },
      });
      expect(response.status).toBe(400);
      expect(await jsonOf(response)).toEqual({ error: 'unsupported_grant_type' });
    } finally {
      await plain.stop();
    }
  });
});
