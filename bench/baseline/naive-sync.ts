/**
 * The baseline: the sync a user writes first, on the same Prisma client the product generates.
 *   - discover the district token, list the schools;
 *   - one school after another;
 *   - fetch the school's whole roster (every page into one array) before writing anything;
 *   - one `prisma.student.upsert` / `prisma.teacher.upsert` per record, awaited in turn;
 *   - on 429 wait a fixed 5 s and try again (what CleverSyncSOS does).
 * It maps records with the product's own mapping (src/sync/mapping.ts) so both write identical
 * columns; it skips what a first version skips (history, leases, archiving, events).
 */
import { createHash } from 'node:crypto';
import { parseUser } from '../../src/clever/api/parse.js';
import { createSchoolPrismaClient } from '../../src/db/client.js';
import { mapStudent, mapTeacher } from '../../src/sync/execute/mapping.js';

export interface NaiveSyncOptions {
  baseUrl: string;
  tokensUrl: string;
  clientId: string;
  clientSecret: string;
  pageSize: number;
  schoolUrl: (cleverSchoolId: string) => string;
  /** Sync only these schools (the benchmark measures a subset of a big district). */
  onlySchools?: ReadonlySet<string>;
}

export interface NaiveSyncStats {
  schools: number;
  records: number;
  upserts: number;
  requests: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  /** Largest roster held in memory at once. */
  largestRoster: number;
}

interface Envelope {
  data: { data: Record<string, unknown> }[];
  links?: { rel: string; uri: string }[];
}

const RATE_LIMIT_WAIT_MS = 5_000;

export async function naiveSync(options: NaiveSyncOptions): Promise<NaiveSyncStats> {
  const stats: NaiveSyncStats = {
    schools: 0,
    records: 0,
    upserts: 0,
    requests: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    largestRoster: 0,
  };

  async function get(url: string, authorization: string): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      stats.requests++;
      let response: Response;
      try {
        response = await fetch(url, { headers: { authorization } });
      } catch (error) {
        // A keep-alive socket the server closed while we were writing: try again, like anyone would.
        if (attempt < 3) continue;
        throw error;
      }
      if (response.status === 429) {
        stats.rateLimitWaits++;
        stats.rateLimitWaitMs += RATE_LIMIT_WAIT_MS;
        await new Promise((resolve) => setTimeout(resolve, RATE_LIMIT_WAIT_MS));
        continue;
      }
      if (!response.ok) throw new Error(`GET ${new URL(url).pathname} answered ${response.status}`);
      return response.json();
    }
  }

  const basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
  const tokens = (await get(`${options.tokensUrl}?owner_type=district`, basic)) as {
    data: { access_token: string }[];
  };
  const bearer = `Bearer ${tokens.data[0]!.access_token}`;

  async function fetchAll(path: string): Promise<Record<string, unknown>[]> {
    const all: Record<string, unknown>[] = [];
    let url: string | undefined = `${options.baseUrl}/v3.0${path}`;
    while (url) {
      const page = (await get(url, bearer)) as Envelope;
      for (const item of page.data) all.push(item.data);
      const next = page.links?.find((link) => link.rel === 'next')?.uri;
      url = next ? new URL(next, options.baseUrl).toString() : undefined;
    }
    return all;
  }

  const schools = await fetchAll(`/schools?limit=${options.pageSize}`);
  for (const school of schools) {
    const schoolId = String(school.id);
    if (options.onlySchools && !options.onlySchools.has(schoolId)) continue;
    const students = await fetchAll(`/schools/${schoolId}/users?role=student&limit=${options.pageSize}`);
    const teachers = await fetchAll(`/schools/${schoolId}/users?role=teacher&limit=${options.pageSize}`);
    stats.largestRoster = Math.max(stats.largestRoster, students.length + teachers.length);
    stats.records += students.length + teachers.length;

    const prisma = await createSchoolPrismaClient(options.schoolUrl(schoolId));
    try {
      const runId = `baseline-${Date.now()}`;
      for (const raw of students) {
        const row = mapStudent(parseUser(raw));
        if (!row) continue;
        const contentHash = createHash('sha256').update(JSON.stringify(row)).digest('hex');
        await prisma.student.upsert({
          where: { cleverId: row.cleverId },
          create: { ...row, contentHash, firstSeenRunId: runId, lastSeenRunId: runId },
          update: { ...row, contentHash, lastSeenRunId: runId, isActive: true, deactivatedAt: null },
        });
        stats.upserts++;
      }
      for (const raw of teachers) {
        const row = mapTeacher(parseUser(raw));
        if (!row) continue;
        const contentHash = createHash('sha256').update(JSON.stringify(row)).digest('hex');
        await prisma.teacher.upsert({
          where: { cleverId: row.cleverId },
          create: { ...row, contentHash, firstSeenRunId: runId, lastSeenRunId: runId },
          update: { ...row, contentHash, lastSeenRunId: runId, isActive: true, deactivatedAt: null },
        });
        stats.upserts++;
      }
    } finally {
      await prisma.$disconnect();
    }
    stats.schools++;
  }
  return stats;
}
