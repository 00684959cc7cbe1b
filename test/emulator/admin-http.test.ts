import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../emulator/index.js';
import { districtToken, get, jsonOf } from './helpers.js';

let emu: EmulatorHandle;
let districtId: string;
let schoolId: string;

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'admin-http',
    schoolsPerDistrict: 2,
    studentsPerSchool: 10,
    adminHttp: true,
  });
  districtId = emu.districts[0]!.id;
  schoolId = [...emu.truth.schools(districtId)][0]!.id;
});

afterAll(() => emu.stop());

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${emu.baseUrl}/__admin${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await jsonOf(response) };
}

describe('admin API over HTTP', () => {
  it('is off unless enabled', async () => {
    const plain = await startEmulator({ schoolsPerDistrict: 1, studentsPerSchool: 1 });
    try {
      const response = await fetch(`${plain.baseUrl}/__admin/districts`);
      expect(response.status).toBe(404);
      expect(plain.stats().byRoute.unmatched).toEqual({ 404: 1 });
    } finally {
      await plain.stop();
    }
  });

  it('changes users and schools, visible through the Data API and events', async () => {
    const created = await admin('POST', `/districts/${districtId}/users`, {
      role: 'teacher',
      schoolId,
      name: { first: 'Søren', last: 'Kierkegård' },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    const token = districtToken(emu);
    expect((await get(emu, `/v3.0/users/${id}`, token)).body.data.name.first).toBe('Søren');

    expect((await admin('PATCH', `/users/${id}`, { email: 'soren@example.org' })).status).toBe(200);
    const school = await admin('POST', `/districts/${districtId}/schools`, { name: 'Nueva' });
    expect(school.status).toBe(201);
    expect(
      (await admin('POST', `/users/${id}/move`, { toSchoolId: school.body.data.id })).body.data.roles.teacher
        .school,
    ).toBe(school.body.data.id);
    expect((await admin('DELETE', `/users/${id}`)).status).toBe(200);
    expect((await get(emu, `/v3.0/users/${id}`, token)).status).toBe(404);
    expect((await admin('DELETE', `/schools/${school.body.data.id}`)).status).toBe(200);
    expect(emu.truth.events(districtId).map((e) => e.type)).toEqual([
      'users.created',
      'users.updated',
      'schools.created',
      'users.updated',
      'users.deleted',
      'schools.deleted',
    ]);
  });

  it('sets faults, reads stats, rotates tokens and moves the clock', async () => {
    expect((await admin('PUT', '/faults', [{ kind: 'status', status: 503, route: '/schools' }])).status).toBe(
      200,
    );
    expect((await get(emu, '/v3.0/schools', districtToken(emu))).status).toBe(503);
    expect((await admin('GET', '/faults')).body.data[0]).toMatchObject({ fired: 1 });
    expect((await admin('DELETE', '/faults')).status).toBe(200);
    expect((await admin('GET', '/stats')).body.byRoute['/schools']).toEqual({ 503: 1 });

    const before = districtToken(emu);
    expect((await admin('POST', `/districts/${districtId}/rotate-token`)).status).toBe(200);
    expect(districtToken(emu)).not.toBe(before);
    const listed = await admin('GET', '/districts');
    expect(listed.body.data[0]).toMatchObject({ id: districtId, connected: true });
    expect(JSON.stringify(listed.body)).not.toContain(districtToken(emu));

    const t0 = emu.now();
    expect((await admin('POST', '/clock', { advanceMs: 60_000 })).status).toBe(200);
    expect(emu.now() - t0).toBeGreaterThanOrEqual(60_000);
  });

  it('answers bad input with 400 and unknown ids with 404', async () => {
    expect((await admin('POST', `/districts/${districtId}/users`, { role: 'pilot', schoolId })).status).toBe(
      400,
    );
    expect((await admin('PUT', '/faults', [{ kind: 'nope' }])).status).toBe(400);
    expect((await admin('POST', '/clock', { advanceMs: -5 })).status).toBe(400);
    expect((await admin('PATCH', '/users/ffffffffffffffffffffffff', {})).status).toBe(404);
    expect((await admin('GET', '/nothing')).status).toBe(404);
    const badJson = await fetch(`${emu.baseUrl}/__admin/clock`, { method: 'POST', body: '{' });
    expect(badJson.status).toBe(400);
  });
});
