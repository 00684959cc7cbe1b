import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../emulator/index.js';
import { collectIds, districtToken, get, idsOf, relLink } from './helpers.js';

let emu: EmulatorHandle;
let token: string;
let schoolIds: string[];
let emptySchoolId: string;

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'paging',
    schoolsPerDistrict: 3,
    studentsPerSchool: 250,
    teachersPerSchool: 7,
    staffPerSchool: 2,
    multiSchoolShare: 0.1,
    rateLimitPerMinute: 100_000,
  });
  token = districtToken(emu);
  const districtId = emu.districts[0]!.id;
  schoolIds = [...emu.truth.schools(districtId)].map((s) => s.id);
  emptySchoolId = emu.admin.addSchool(districtId, { name: 'Escuela Vacía' }).id;
});

afterAll(() => emu.stop());

const truthIds = (schoolId: string, role: 'student' | 'teacher', primary = false) =>
  [...emu.truth.usersOfSchool(schoolId, { role, primary })].map((u) => u.id);

describe('list paging', () => {
  it('walks every student of a school via rel=next, ascending, each once, as the truth lists them', async () => {
    const expected = truthIds(schoolIds[0]!, 'student');
    expect(expected.length).toBeGreaterThan(250); // primary students plus neighbours' multi-school ones
    const { ids, pages } = await collectIds(
      emu,
      `/v3.0/schools/${schoolIds[0]}/users?role=student&limit=40`,
      token,
    );
    expect(ids).toEqual(expected);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(expected.length / 40));
  });

  it('cuts pages exactly at the limit and ends without an empty trailing page', async () => {
    const path = `/v3.0/schools/${schoolIds[1]}/users?role=teacher&primary=true`;
    const one = await get(emu, `${path}&limit=7`, token);
    expect(one.body.data).toHaveLength(7);
    expect(relLink(one.body, 'next')).toBeUndefined();

    const six = await get(emu, `${path}&limit=6`, token);
    expect(six.body.data).toHaveLength(6);
    const rest = await get(emu, relLink(six.body, 'next')!, token);
    expect(rest.body.data).toHaveLength(1);
    expect(relLink(rest.body, 'next')).toBeUndefined();

    const { ids, pages } = await collectIds(emu, `${path}&limit=1`, token);
    expect(pages).toBe(7);
    expect(ids).toEqual(truthIds(schoolIds[1]!, 'teacher', true));
  });

  it('uses 100 as the default limit', async () => {
    const page = await get(emu, `/v3.0/schools/${schoolIds[0]}/users?role=student`, token);
    expect(page.body.data).toHaveLength(100);
    expect(relLink(page.body, 'next')).toContain('starting_after=');
  });

  it('allows limit 10000 and answers 413 above it', async () => {
    const max = await get(emu, '/v3.0/users?role=student&limit=10000', token);
    expect(max.status).toBe(200);
    expect(max.body.data).toHaveLength(750);
    const over = await get(emu, '/v3.0/users?role=student&limit=10001', token);
    expect(over.status).toBe(413);
    expect(typeof over.body.message).toBe('string');
  });

  it('rejects malformed paging parameters with 400', async () => {
    for (const query of ['limit=0', 'limit=abc', 'starting_after=nope', 'ending_before=xyz']) {
      const response = await get(emu, `/v3.0/users?${query}`, token);
      expect(response.status, query).toBe(400);
      expect(response.body.message).toBeTruthy();
    }
    const both = await get(
      emu,
      `/v3.0/users?starting_after=${schoolIds[0]}&ending_before=${schoolIds[1]}`,
      token,
    );
    expect(both.status).toBe(400);
  });

  it('continues after starting_after and stops before ending_before', async () => {
    const all = truthIds(schoolIds[2]!, 'student');
    const base = `/v3.0/schools/${schoolIds[2]}/users?role=student&limit=25`;
    const after = await get(emu, `${base}&starting_after=${all[99]}`, token);
    expect(idsOf(after.body)).toEqual(all.slice(100, 125));
    expect(relLink(after.body, 'prev')).toBe(`${base}&ending_before=${all[100]}`);
    expect(relLink(after.body, 'next')).toBe(`${base}&starting_after=${all[124]}`);

    const before = await get(emu, `${base}&ending_before=${all[99]}`, token);
    expect(idsOf(before.body)).toEqual(all.slice(74, 99));
    expect(relLink(before.body, 'next')).toBe(`${base}&starting_after=${all[98]}`);
    expect(relLink(before.body, 'prev')).toBe(`${base}&ending_before=${all[74]}`);

    const first = await get(emu, `${base}&ending_before=${all[10]}`, token);
    expect(idsOf(first.body)).toEqual(all.slice(0, 10));
    expect(relLink(first.body, 'prev')).toBeUndefined();
  });

  it('answers ending_before=last&limit=1 with the newest item', async () => {
    const all = truthIds(schoolIds[0]!, 'student');
    const last = await get(
      emu,
      `/v3.0/schools/${schoolIds[0]}/users?role=student&ending_before=last&limit=1`,
      token,
    );
    expect(idsOf(last.body)).toEqual([all.at(-1)]);
    expect(relLink(last.body, 'next')).toBeUndefined();
  });

  it('keeps links relative, with the version prefix and the caller’s query', async () => {
    const path = `/v3.1/schools/${schoolIds[0]}/users?role=student&limit=5&count=true`;
    const page = await get(emu, path, token);
    expect(relLink(page.body, 'self')).toBe(path);
    const next = relLink(page.body, 'next')!;
    expect(
      next.startsWith(`/v3.1/schools/${schoolIds[0]}/users?role=student&limit=5&count=true&starting_after=`),
    ).toBe(true);
    expect(page.body.data[0].uri).toBe(`/v3.1/users/${page.body.data[0].data.id}`);
  });

  it('returns an empty page with only a self link for a school without users', async () => {
    const page = await get(emu, `/v3.0/schools/${emptySchoolId}/users?role=student`, token);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      data: [],
      links: [{ rel: 'self', uri: `/v3.0/schools/${emptySchoolId}/users?role=student` }],
    });
  });

  it('lists a multi-school student in each of its schools and primary=true only in its primary one', async () => {
    const multi = [...emu.truth.users(emu.districts[0]!.id, 'student')].find(
      (u) => u.roles.student!.schools.length > 1,
    )!;
    const [primary, other] = multi.roles.student!.schools as [string, string];
    expect(multi.roles.student!.school).toBe(primary);
    expect(truthIds(other, 'student')).toContain(multi.id);
    const primaryOnly = await collectIds(
      emu,
      `/v3.0/schools/${other}/users?role=student&primary=true&limit=500`,
      token,
    );
    expect(primaryOnly.ids).not.toContain(multi.id);
    const all = await collectIds(emu, `/v3.0/schools/${other}/users?role=student&limit=500`, token);
    expect(all.ids).toContain(multi.id);
  });

  it('lists district-wide users by role and all roles without one', async () => {
    const teachers = await collectIds(emu, '/v3.0/users?role=teacher&limit=8', token);
    expect(teachers.ids).toHaveLength(21);
    const everyone = await collectIds(emu, '/v3.0/users?limit=10000', token);
    expect(everyone.ids).toHaveLength(3 * (250 + 7 + 2));
    const admins = await get(emu, '/v3.0/users?role=district_admin', token);
    expect(admins.body.data).toEqual([]);
    const bad = await get(emu, '/v3.0/users?role=principal', token);
    expect(bad.status).toBe(400);
  });

  it('wraps single records with self links and answers unknown ids with 404 {message}', async () => {
    const school = await get(emu, `/v3.0/schools/${schoolIds[0]}`, token);
    expect(school.body.data.id).toBe(schoolIds[0]);
    expect(school.body.links[0]).toEqual({ rel: 'self', uri: `/v3.0/schools/${schoolIds[0]}` });
    for (const path of ['/v3.0/schools/ffffffffffffffffffffffff', '/v3.0/users/not-an-id']) {
      const missing = await get(emu, path, token);
      expect(missing.status, path).toBe(404);
      expect(missing.body.message).toBeTruthy();
    }
  });

  it('answers unknown routes with an HTML 404 page, as Clever does, rate-limit headers included', async () => {
    for (const path of ['/v3.0/nothing-here', '/v3.0/schools/x/y/z', '/v2.0/schools', '/']) {
      const missing = await get(emu, path, token);
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(missing.text, path).toContain('<title>404 Not Found</title>');
      expect(missing.body, path).toBeUndefined();
    }
    const versioned = await get(emu, '/v3.1/nothing-here', token);
    expect(versioned.headers.get('x-ratelimit-limit')).toBeTruthy();
  });
});
