import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../emulator/index.js';
import {
  type CleverApiClientWithMetrics,
  CleverNotFoundError,
  createCleverApiClient,
} from '../../src/clever/api/index.js';
import type { CleverTokenProvider, DistrictToken } from '../../src/clever/auth/token-provider.js';
import { AppError } from '../../src/errors.js';
import { collect, testConfig } from './support.js';

/**
 * Against the Clever emulator (a real HTTP server): full paging of a district and events after a
 * cursor, through real sockets, the real axios instance and the emulator's own paging and limits.
 */

/** Token discovery straight from the emulator (the auth service is tested on its own). */
class EmulatorTokens implements CleverTokenProvider {
  private readonly cache = new Map<string, string>();
  refreshes = 0;

  constructor(private readonly emulator: EmulatorHandle) {}

  async listDistricts(): Promise<DistrictToken[]> {
    return this.emulator.districts.flatMap((d) =>
      d.token ? [{ districtId: d.id, accessToken: d.token, scopes: [], source: 'discovery' as const }] : [],
    );
  }

  async getToken(districtId: string): Promise<string> {
    const cached = this.cache.get(districtId);
    if (cached) return cached;
    const token = this.emulator.districts.find((d) => d.id === districtId)?.token;
    if (!token) throw new AppError('CLEVER_DISTRICT_DISCONNECTED', `district ${districtId} is disconnected`);
    this.cache.set(districtId, token);
    return token;
  }

  async refreshAfterUnauthorized(districtId: string, rejected: string): Promise<string> {
    this.refreshes++;
    this.cache.delete(districtId);
    const token = await this.getToken(districtId);
    if (token === rejected) throw new AppError('CLEVER_AUTH_FAILED', 'token still rejected');
    return token;
  }
}

let emulator: EmulatorHandle;
let tokens: EmulatorTokens;
let client: CleverApiClientWithMetrics;
let districtId: string;

beforeAll(async () => {
  emulator = await startEmulator({
    seed: 'clever-api-tests',
    districts: 1,
    schoolsPerDistrict: 3,
    studentsPerSchool: 230,
    teachersPerSchool: 12,
    multiSchoolShare: 0.1,
  });
  tokens = new EmulatorTokens(emulator);
  client = createCleverApiClient({
    config: testConfig({ CLEVER_API_BASE_URL: emulator.baseUrl, SYNC_PAGE_SIZE: '50' }),
    tokens,
  });
  districtId = emulator.districts[0]!.id;
});

afterAll(async () => {
  await emulator?.stop();
});

const ids = (records: Iterable<{ id: string }>) => [...records].map((r) => r.id);

describe('Clever API client against the emulator', () => {
  it('pages a whole district: districts, schools, students and teachers match the source', async () => {
    const districts = await client.getDistricts();
    expect(districts).toEqual([
      expect.objectContaining({ id: districtId, name: emulator.districts[0]!.name }),
    ]);

    const api = client.forDistrict(districtId);
    const before = client.metrics().requests;
    const schoolPages = await collect(api.getSchools());
    const schools = schoolPages.flat();
    expect(ids(schools)).toEqual(ids(emulator.truth.schools(districtId)));

    let studentPages = 0;
    for (const school of schools) {
      const students: string[] = [];
      for await (const page of api.getStudents(school.id)) {
        expect(page.length).toBeLessThanOrEqual(50);
        studentPages++;
        for (const student of page) {
          expect(student.roles.student.schools).toContain(school.id);
          students.push(student.id);
        }
      }
      expect(students).toEqual([...new Set(ids(emulator.truth.studentsOfSchool(school.id)))]);
      const teachers = (await collect(api.getTeachers(school.id))).flat();
      expect(ids(teachers)).toEqual([...new Set(ids(emulator.truth.teachersOfSchool(school.id)))]);
    }
    // 230+ students per school at 50 per page: several pages each, and nothing retried.
    expect(studentPages).toBeGreaterThanOrEqual(schools.length * 5);
    expect(client.metrics()).toMatchObject({ retries: 0, rateLimited: 0 });
    expect(client.metrics().requests - before).toBeGreaterThan(schools.length * 5);
  });

  it('reads events after a cursor, oldest first, with previous attributes', async () => {
    const api = client.forDistrict(districtId);
    const cursor = await api.getLatestEventId();
    expect(cursor).toBe(emulator.truth.latestEventId(districtId) ?? null);

    const school = [...emulator.truth.schools(districtId)][0]!;
    const [first, second] = [...emulator.truth.studentsOfSchool(school.id)];
    emulator.admin.updateUser(first!.id, { name: { first: 'Renamed' } });
    emulator.admin.deleteUser(second!.id);

    const events = (await collect(api.getEvents(cursor ? { startingAfter: cursor } : {}))).flat();
    const mine = events.filter((e) => e.object.id === first!.id || e.object.id === second!.id);
    expect(mine.map((e) => e.type)).toEqual(['users.updated', 'users.deleted']);
    expect(mine[0]?.object).toMatchObject({ name: { first: 'Renamed' } });
    expect(mine[0]?.previousAttributes).toMatchObject({ name: { first: first!.name.first } });
    expect(ids(events)).toEqual([...ids(events)].sort());
    expect(await api.getLatestEventId()).toBe(events.at(-1)?.id);

    // Nothing newer than the newest event.
    expect(await collect(api.getEvents({ startingAfter: events.at(-1)!.id }))).toEqual([]);
  });

  it('rediscovers a rotated token and reports an unshared school as not found', async () => {
    const api = client.forDistrict(districtId);
    emulator.admin.rotateToken(districtId);
    const schools = (await collect(api.getSchools())).flat();
    expect(tokens.refreshes).toBe(1);

    const unshared = schools[0]!.id;
    emulator.admin.unshareSchool(unshared);
    await expect(api.getSchool(unshared)).rejects.toBeInstanceOf(CleverNotFoundError);
    emulator.admin.reshareSchool(unshared);
  });
});
