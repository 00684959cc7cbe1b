import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CleverApiError, createCleverApiClient, parseUser } from '../../src/clever/api/index.js';
import { ConfigError } from '../../src/errors.js';
import {
  API,
  collect,
  DISTRICT,
  FakeTokens,
  oid,
  pagedHandler,
  TOKEN,
  testConfig,
  user,
  V,
} from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(env: Record<string, string> = {}) {
  return createCleverApiClient({ config: testConfig(env), tokens: new FakeTokens() });
}

const students = (count: number) => Array.from({ length: count }, (_, i) => user(i + 1));

describe('paging', () => {
  it('follows relative next links page by page until they stop, keeping the query', async () => {
    const seen: string[] = [];
    server.use(pagedHandler('/schools/s1/users', () => students(7), { seen }));
    const pages = await collect(client().forDistrict(DISTRICT).getStudents('s1', undefined, { pageSize: 3 }));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((s) => s.id)).toEqual(students(7).map((s) => s.id));
    expect(seen).toEqual([
      '/v3.0/schools/s1/users?role=student&limit=3',
      `/v3.0/schools/s1/users?role=student&limit=3&starting_after=${oid(3)}`,
      `/v3.0/schools/s1/users?role=student&limit=3&starting_after=${oid(6)}`,
    ]);
  });

  it('uses the configured page size (default 100)', async () => {
    const seen: string[] = [];
    server.use(pagedHandler('/schools', () => [], { seen }));
    await collect(client().forDistrict(DISTRICT).getSchools());
    await collect(client({ SYNC_PAGE_SIZE: '10000' }).forDistrict(DISTRICT).getSchools());
    expect(seen).toEqual(['/v3.0/schools?limit=100', '/v3.0/schools?limit=10000']);
  });

  it('yields nothing for an empty list', async () => {
    server.use(pagedHandler('/schools/s1/users', () => []));
    expect(await collect(client().forDistrict(DISTRICT).getStudents('s1'))).toEqual([]);
  });

  it('stops at an exact page boundary without an extra request when no next link comes', async () => {
    const seen: string[] = [];
    server.use(pagedHandler('/schools/s1/users', () => students(6), { seen }));
    const pages = await collect(client().forDistrict(DISTRICT).getStudents('s1', undefined, { pageSize: 3 }));
    expect(pages.map((p) => p.length)).toEqual([3, 3]);
    expect(seen).toHaveLength(2);
  });

  it('handles a trailing empty page behind a next link (some servers send one at a boundary)', async () => {
    server.use(
      http.get(`${V}/schools`, ({ request }) => {
        const after = new URL(request.url).searchParams.get('starting_after');
        if (after) return HttpResponse.json({ data: [], links: [{ rel: 'self', uri: '/v3.0/schools' }] });
        return HttpResponse.json({
          data: [{ data: { id: oid(1), name: 'A', district: DISTRICT } }],
          links: [{ rel: 'next', uri: `/v3.0/schools?limit=100&starting_after=${oid(1)}` }],
        });
      }),
    );
    const pages = await collect(client().forDistrict(DISTRICT).getSchools());
    expect(pages.flat().map((s) => s.name)).toEqual(['A']);
  });

  it('resumes from startingAfter', async () => {
    server.use(pagedHandler('/schools/s1/users', () => students(5)));
    const pages = await collect(
      client()
        .forDistrict(DISTRICT)
        .getStudents('s1', undefined, { startingAfter: oid(3) }),
    );
    expect(pages.flat().map((s) => s.id)).toEqual([oid(4), oid(5)]);
  });

  it('treats a next link that repeats the cursor as an error, not an endless loop', async () => {
    let calls = 0;
    server.use(
      http.get(`${V}/schools`, () => {
        calls++;
        return HttpResponse.json({
          data: [{ data: { id: oid(1), name: 'A', district: DISTRICT } }],
          links: [{ rel: 'next', uri: `/v3.0/schools?limit=100&starting_after=${oid(1)}` }],
        });
      }),
    );
    const error = await collect(client().forDistrict(DISTRICT).getSchools()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleverApiError);
    expect(error).toMatchObject({ code: 'CLEVER_BAD_RESPONSE', kind: 'invalid-response' });
    expect((error as Error).message).toMatch(/repeats the cursor/);
    expect(calls).toBe(2);
  });

  it('fails a listing whose next links loop back to an earlier page (A -> B -> A)', async () => {
    let calls = 0;
    server.use(
      http.get(`${V}/schools`, ({ request }) => {
        calls++;
        const after = new URL(request.url).searchParams.get('starting_after');
        // Page A (no cursor) links to B; B links back to A's URL.
        const next = after ? '/v3.0/schools?limit=100' : `/v3.0/schools?limit=100&starting_after=${oid(1)}`;
        return HttpResponse.json({
          data: [{ data: { id: after ? oid(2) : oid(1), name: 'A', district: DISTRICT } }],
          links: [{ rel: 'next', uri: next }],
        });
      }),
    );
    const error = await collect(client().forDistrict(DISTRICT).getSchools()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLEVER_BAD_RESPONSE', kind: 'invalid-response' });
    expect((error as Error).message).toMatch(/loops/);
    expect(calls).toBe(2);
  });

  it('fails a listing whose next link moves starting_after backwards', async () => {
    let calls = 0;
    server.use(
      http.get(`${V}/schools`, ({ request }) => {
        calls++;
        const after = new URL(request.url).searchParams.get('starting_after');
        const next = after === oid(5) ? oid(3) : oid(5);
        return HttpResponse.json({
          data: [{ data: { id: oid(calls), name: 'A', district: DISTRICT } }],
          links: [{ rel: 'next', uri: `/v3.0/schools?limit=100&starting_after=${next}` }],
        });
      }),
    );
    const error = await collect(client().forDistrict(DISTRICT).getSchools()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLEVER_BAD_RESPONSE' });
    expect((error as Error).message).toMatch(/backwards/);
    expect(calls).toBe(2);
  });

  it('treats a next link identical to the current request as an error', async () => {
    server.use(
      http.get(`${V}/schools`, () =>
        HttpResponse.json({
          data: [{ data: { id: oid(1), name: 'A', district: DISTRICT } }],
          links: [{ rel: 'next', uri: '/v3.0/schools?limit=100' }],
        }),
      ),
    );
    await expect(collect(client().forDistrict(DISTRICT).getSchools())).rejects.toMatchObject({
      code: 'CLEVER_BAD_RESPONSE',
    });
  });

  it('refuses a next link to another host (it would receive the bearer token)', async () => {
    server.use(
      http.get(`${V}/schools`, () =>
        HttpResponse.json({
          data: [],
          links: [{ rel: 'next', uri: 'https://evil.example/v3.0/schools?starting_after=x' }],
        }),
      ),
    );
    const error = await collect(client().forDistrict(DISTRICT).getSchools()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLEVER_BAD_RESPONSE' });
    expect((error as Error).message).toMatch(/another host/);
  });

  it('resolves links against a base URL with a gateway prefix', async () => {
    const base = `${API}/gateway`;
    const seen: string[] = [];
    server.use(
      http.get(`${base}/v3.0/schools`, ({ request }) => {
        const url = new URL(request.url);
        seen.push(`${url.pathname}${url.search}`);
        const after = url.searchParams.get('starting_after');
        return HttpResponse.json({
          data: [{ data: { id: after ? oid(2) : oid(1), name: 'S', district: DISTRICT } }],
          links: after ? [] : [{ rel: 'next', uri: `/v3.0/schools?limit=100&starting_after=${oid(1)}` }],
        });
      }),
    );
    const api = createCleverApiClient({
      config: testConfig({ CLEVER_API_BASE_URL: base }),
      tokens: new FakeTokens(),
    });
    const pages = await collect(api.forDistrict(DISTRICT).getSchools());
    expect(pages.flat()).toHaveLength(2);
    expect(seen[1]).toBe(`/gateway/v3.0/schools?limit=100&starting_after=${oid(1)}`);
  });

  it('rejects page sizes outside 1..10000 before calling Clever', async () => {
    expect(() => client({ SYNC_PAGE_SIZE: '0' })).toThrow();
    const api = client().forDistrict(DISTRICT);
    await expect(collect(api.getSchools({ pageSize: 10_001 }))).rejects.toBeInstanceOf(ConfigError);
  });

  it('pages any endpoint with getPagedData and a caller-supplied parser', async () => {
    server.use(pagedHandler('/users', () => students(3)));
    const pages = await collect(
      client().forDistrict(DISTRICT).getPagedData('/users?role=student', parseUser),
    );
    expect(pages.flat().map((u) => u.name.first)).toEqual(['F1', 'F2', 'F3']);
  });
});

describe('envelope validation', () => {
  it('fails a 200 without the data envelope instead of reading it as an empty roster', async () => {
    server.use(http.get(`${V}/schools/s1/users`, () => HttpResponse.json({ links: [] })));
    const error = await collect(client().forDistrict(DISTRICT).getStudents('s1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleverApiError);
    expect(error).toMatchObject({ code: 'CLEVER_BAD_RESPONSE', status: 200, transient: false });
    expect((error as Error).message).toMatch(/no "data" array/);
  });

  it('fails a 200 HTML page (a proxy or maintenance page) with its title', async () => {
    server.use(
      http.get(`${V}/schools`, () =>
        HttpResponse.html('<html><head><title>Scheduled maintenance</title></head><body>x</body></html>'),
      ),
    );
    const error = await collect(client().forDistrict(DISTRICT).getSchools()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLEVER_BAD_RESPONSE' });
    expect((error as Error).message).toMatch(/HTML page: Scheduled maintenance/);
  });

  it('fails a list whose record has no id, naming the item but not its contents', async () => {
    server.use(
      http.get(`${V}/schools`, () =>
        HttpResponse.json({ data: [{ data: { name: 'Secret Name School' } }], links: [] }),
      ),
    );
    const error = await collect(client().forDistrict(DISTRICT).getSchools()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLEVER_BAD_RESPONSE' });
    expect((error as Error).message).toMatch(/item 0: invalid school record at id/);
    expect((error as Error).message).not.toMatch(/Secret Name/);
  });

  it('fails a single-record answer without a data object', async () => {
    server.use(http.get(`${V}/districts/${DISTRICT}`, () => HttpResponse.json({ id: DISTRICT })));
    await expect(client().forDistrict(DISTRICT).getDistrict()).rejects.toMatchObject({
      code: 'CLEVER_BAD_RESPONSE',
    });
  });
});

describe('users', () => {
  it('deduplicates multi-role users listed once per role', async () => {
    const both = user(2, 'student');
    (both.roles as Record<string, unknown>).teacher = { sis_id: 't', schools: ['school-1'] };
    server.use(pagedHandler('/schools/s1/users', () => [user(1), both, both, user(3)]));
    const pages = await collect(client().forDistrict(DISTRICT).getStudents('s1', undefined, { pageSize: 2 }));
    expect(pages.flat().map((s) => s.id)).toEqual([oid(1), oid(2), oid(3)]);
  });

  it('skips users listed for a role they do not carry', async () => {
    server.use(pagedHandler('/schools/s1/users', () => [user(1, 'teacher'), user(2, 'student')]));
    const pages = await collect(client().forDistrict(DISTRICT).getStudents('s1'));
    expect(pages.flat().map((s) => s.id)).toEqual([oid(2)]);
  });

  it('asks for role=teacher and returns teachers', async () => {
    const seen: string[] = [];
    server.use(pagedHandler('/schools/s1/users', () => [user(1, 'teacher')], { seen }));
    const pages = await collect(client().forDistrict(DISTRICT).getTeachers('s1'));
    expect(pages.flat()[0]?.roles.teacher.sis_id).toBe('sis-1');
    expect(seen[0]).toBe('/v3.0/schools/s1/users?role=teacher&limit=100');
  });

  it('filters lastModified on the client: every page is still fetched', async () => {
    const seen: string[] = [];
    const records = [
      user(1, 'student', { last_modified: '2024-01-01T00:00:00.000Z' }),
      user(2, 'student', { last_modified: '2024-09-01T00:00:00.000Z' }),
      user(3, 'student', { last_modified: '2024-02-01T00:00:00.000Z' }),
      user(4, 'student', { last_modified: 'not a date' }),
    ];
    server.use(pagedHandler('/schools/s1/users', () => records, { seen }));
    const pages = await collect(
      client().forDistrict(DISTRICT).getStudents('s1', new Date('2024-06-01T00:00:00.000Z'), { pageSize: 1 }),
    );
    // Unparseable last_modified is kept: dropping it could lose a real change.
    expect(pages.flat().map((s) => s.id)).toEqual([oid(2), oid(4)]);
    expect(seen).toHaveLength(4);
    expect(seen.every((path) => !path.includes('last_modified'))).toBe(true);
  });

  it('encodes ids placed in the path', async () => {
    const seen: string[] = [];
    server.use(
      http.get(`${V}/users/:id`, ({ request }) => {
        seen.push(new URL(request.url).pathname);
        return HttpResponse.json({ data: user(1) });
      }),
    );
    await client().forDistrict(DISTRICT).getUser('a/b?c');
    expect(seen).toEqual(['/v3.0/users/a%2Fb%3Fc']);
  });
});

describe('single records and districts', () => {
  it('reads the district of a token, a school and a user', async () => {
    server.use(
      http.get(`${V}/districts/${DISTRICT}`, () =>
        HttpResponse.json({ data: { id: DISTRICT, name: 'Demo District', state: '' }, links: [] }),
      ),
      http.get(`${V}/schools/s1`, () =>
        HttpResponse.json({ data: { id: 's1', district: DISTRICT, name: 'One' } }),
      ),
    );
    const api = client().forDistrict(DISTRICT);
    expect(await api.getDistrict()).toMatchObject({ id: DISTRICT, name: 'Demo District', state: '' });
    expect(await api.getSchool('s1')).toMatchObject({ id: 's1', name: 'One' });
  });

  it('getDistricts looks up every district of the token list with its own token', async () => {
    const other = '5f0000000000000000000d02';
    const auth: string[] = [];
    server.use(
      http.get(`${V}/districts/:id`, ({ params, request }) => {
        auth.push(request.headers.get('authorization') ?? '');
        return HttpResponse.json({ data: { id: params.id, name: `District ${params.id}` } });
      }),
    );
    const api = createCleverApiClient({
      config: testConfig(),
      tokens: new FakeTokens({ [DISTRICT]: TOKEN, [other]: 'second-token' }),
    });
    const districts = await api.getDistricts();
    expect(districts.map((d) => d.id).sort()).toEqual([DISTRICT, other]);
    expect(auth.sort()).toEqual([`Bearer ${TOKEN}`, 'Bearer second-token'].sort());
  });
});

describe('events', () => {
  const event = (n: number, extra: Record<string, unknown> = {}) => ({
    id: oid(1000 + n),
    type: 'users.updated',
    created: '2025-01-01T00:00:00.000Z',
    data: { object: user(n), previous_attributes: { name: { first: 'Old' } } },
    ...extra,
  });

  it('pages events after a cursor with school and repeated record_type filters', async () => {
    const seen: string[] = [];
    server.use(pagedHandler('/events', () => [event(1), event(2), event(3)], { seen }));
    const pages = await collect(
      client()
        .forDistrict(DISTRICT)
        .getEvents({ startingAfter: oid(1001), schoolId: 's1', recordTypes: ['users', 'schools'] }),
    );
    expect(pages.flat().map((e) => e.id)).toEqual([oid(1002), oid(1003)]);
    expect(pages.flat()[0]).toMatchObject({
      type: 'users.updated',
      object: { id: oid(2) },
      previousAttributes: { name: { first: 'Old' } },
    });
    expect(seen[0]).toBe(
      `/v3.0/events?school=s1&record_type=users&record_type=schools&limit=100&starting_after=${oid(1001)}`,
    );
  });

  it('reads previous_attributes beside data when an answer follows the spec layout', async () => {
    const specShaped = {
      id: oid(1),
      type: 'schools.updated',
      created: '2025-01-01T00:00:00.000Z',
      data: { object: { id: 's1' } },
      previous_attributes: { name: 'Before' },
    };
    server.use(pagedHandler('/events', () => [specShaped]));
    const pages = await collect(client().forDistrict(DISTRICT).getEvents());
    expect(pages.flat()[0]?.previousAttributes).toEqual({ name: 'Before' });
  });

  it('getLatestEventId asks for ending_before=last&limit=1', async () => {
    const seen: string[] = [];
    server.use(
      http.get(`${V}/events`, ({ request }) => {
        const url = new URL(request.url);
        seen.push(url.search);
        return HttpResponse.json({ data: [{ data: event(7), uri: '/v3.0/events/x' }], links: [] });
      }),
    );
    expect(await client().forDistrict(DISTRICT).getLatestEventId()).toBe(oid(1007));
    expect(seen).toEqual(['?ending_before=last&limit=1']);
  });

  it('getLatestEventId is null when the district has no events', async () => {
    server.use(http.get(`${V}/events`, () => HttpResponse.json({ data: [], links: [] })));
    expect(await client().forDistrict(DISTRICT).getLatestEventId()).toBeNull();
  });
});
