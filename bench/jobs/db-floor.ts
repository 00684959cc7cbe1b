/**
 * Database floor: the raw driver's fastest bulk write of the rows the sync writes, into the same
 * tables (same columns, indexes and durability settings), with no Prisma and no ORM in between.
 * The rows are read from the emulator and mapped before the clock starts; only the writes are timed.
 *   SQLite (better-sqlite3): one prepared INSERT per row inside one transaction per table (a
 *   full load: each school's rows read, then written, the write times summed).
 *   PostgreSQL (pg): INSERT .. SELECT FROM unnest(column arrays), 10,000 rows a statement, one
 *   transaction per school, as many schools at once as the sync.
 */
import Database from 'better-sqlite3';
import pLimit from 'p-limit';
import pg from 'pg';
import { createCleverApiClient, parseUser } from '../../src/clever/api/index.js';
import { type PreparedRow, prepareRows, rosterTable } from '../../src/db/base/roster-columns.js';
import { sqliteFilePath } from '../../src/db/sqlite/url.js';
import type { RosterRow, UserEntity } from '../../src/domain/index.js';
import { DistrictCatalog } from '../../src/sync/execute/class-catalog.js';
import { newPullContext, ROSTER_SOURCES, userStream } from '../../src/sync/execute/streams.js';
import type { ChangedUser, DbFloorJob, JobResult } from '../lib/types.js';
import { appServicesFor, timed } from './common.js';

// The user tables only: this floor is measured against the user sync's writes.
const ENTITIES: UserEntity[] = ['students', 'teachers'];
const RUN_ID = 'db-floor';
const PG_CHUNK = 10_000;

interface SchoolWrites {
  schoolId: string;
  upserts: Record<UserEntity, PreparedRow[]>;
  archives: Record<UserEntity, string[]>;
}

function emptyWrites(schoolId: string): SchoolWrites {
  return { schoolId, upserts: { students: [], teachers: [] }, archives: { students: [], teachers: [] } };
}

/** Every school's roster rows, read at the largest page size (not timed), one school at a time. */
async function* gatherRoster(job: DbFloorJob): AsyncGenerator<SchoolWrites> {
  const app = await appServicesFor({ ...job, pageSize: 10_000 });
  try {
    const clever = createCleverApiClient({
      config: app.config,
      tokens: app.cleverAuth,
      http: app.cleverHttp,
    });
    for (const district of await clever.getDistricts()) {
      const api = clever.forDistrict(district.id);
      for await (const schools of api.getSchools()) {
        for (const school of schools) {
          const writes = emptyWrites(school.id);
          const usersOnly = newPullContext(new DistrictCatalog(api, 10_000));
          // The listings the sync reads, split into rosters as it splits them. Users only: the
          // floor is the students-and-teachers sync's (classes are measured as their added cost).
          for (const source of ROSTER_SOURCES.filter((candidate) => !candidate.classRoster)) {
            for await (const page of source.read(api, school.id, 10_000, usersOnly)) {
              for (const stream of source.streams) {
                const entity = stream.entity as UserEntity;
                const rows = stream.prepare(page, school.id).rows as RosterRow<UserEntity>[];
                writes.upserts[entity].push(...prepareRows(entity, rows));
              }
            }
          }
          yield writes;
        }
      }
    }
  } finally {
    await app.dispose();
  }
}

/** What a change set means per school database: rows to upsert where the user is, archives where they left. */
function writesOfChanges(changes: ChangedUser[]): SchoolWrites[] {
  const bySchool = new Map<string, SchoolWrites>();
  const at = (schoolId: string) => {
    let writes = bySchool.get(schoolId);
    if (!writes) {
      writes = emptyWrites(schoolId);
      bySchool.set(schoolId, writes);
    }
    return writes;
  };
  for (const change of changes) {
    const entity: UserEntity = change.role === 'teacher' ? 'teachers' : 'students';
    if (change.record) {
      const row = userStream(entity).rowOf(parseUser(change.record));
      if (row) {
        const [prepared] = prepareRows(entity, [row]);
        for (const schoolId of change.schoolIds) at(schoolId).upserts[entity].push(prepared!);
      }
    }
    const id = change.record?.id ?? change.cleverId!;
    for (const schoolId of change.leftSchoolIds) at(schoolId).archives[entity].push(id);
  }
  return [...bySchool.values()];
}

function columnsOf(entity: UserEntity) {
  const { table, columns } = rosterTable(entity);
  return { table, names: columns.map((c) => c.column), types: columns.map((c) => c.type) };
}

const quote = (name: string) => `"${name}"`;

function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value ?? null;
}

function writeSqlite(url: string, writes: SchoolWrites, upsert: boolean): number {
  const db = new Database(sqliteFilePath(url));
  db.pragma('journal_mode = WAL');
  let written = 0;
  try {
    const now = new Date().toISOString();
    db.transaction(() => {
      for (const entity of ENTITIES) {
        const { table, names } = columnsOf(entity);
        const all = [
          ...names,
          'content_hash',
          'is_active',
          'first_seen_run_id',
          'last_seen_run_id',
          'created_at',
          'updated_at',
        ];
        const conflict = upsert
          ? ` ON CONFLICT ("clever_id") DO UPDATE SET ${[
              ...names.filter((n) => n !== 'clever_id'),
              'content_hash',
              'last_seen_run_id',
              'updated_at',
            ]
              .map((n) => `${quote(n)} = excluded.${quote(n)}`)
              .join(', ')}, "is_active" = 1, "deactivated_at" = NULL`
          : '';
        const insert = db.prepare(
          `INSERT INTO ${quote(table)} (${all.map(quote).join(', ')}) VALUES (${all.map(() => '?').join(', ')})${conflict}`,
        );
        for (const row of writes.upserts[entity]) {
          insert.run(...row.values.map(sqliteValue), row.contentHash, 1, RUN_ID, RUN_ID, now, now);
          written++;
        }
        if (writes.archives[entity].length > 0) {
          const archive = db.prepare(
            `UPDATE ${quote(table)} SET is_active = 0, deactivated_at = ?, updated_at = ? WHERE is_active = 1 AND clever_id = ?`,
          );
          for (const id of writes.archives[entity]) written += archive.run(now, now, id).changes;
        }
      }
    })();
  } finally {
    db.close();
  }
  return written;
}

async function writePostgres(url: string, writes: SchoolWrites, upsert: boolean): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  let written = 0;
  try {
    await client.query('BEGIN');
    for (const entity of ENTITIES) {
      const { table, names, types } = columnsOf(entity);
      const rows = writes.upserts[entity];
      const arrays = names.map((_, i) => `$${i + 1}::${types[i] === 'DateTime' ? 'timestamptz' : 'text'}[]`);
      const hash = `$${names.length + 1}::text[]`;
      const run = `$${names.length + 2}`;
      const conflict = upsert
        ? ` ON CONFLICT ("clever_id") DO UPDATE SET ${[
            ...names.filter((n) => n !== 'clever_id'),
            'content_hash',
            'last_seen_run_id',
            'updated_at',
          ]
            .map((n) => `${quote(n)} = excluded.${quote(n)}`)
            .join(', ')}, "is_active" = true, "deactivated_at" = NULL`
        : '';
      const sql =
        `INSERT INTO ${quote(table)} (${[...names, 'content_hash', 'is_active', 'first_seen_run_id', 'last_seen_run_id', 'updated_at'].map(quote).join(', ')}) ` +
        `SELECT u.*, true, ${run}, ${run}, now() FROM unnest(${[...arrays, hash].join(', ')}) AS u${conflict}`;
      for (let start = 0; start < rows.length; start += PG_CHUNK) {
        const chunk = rows.slice(start, start + PG_CHUNK);
        const columns = names.map((_, i) =>
          chunk.map((row) => {
            const value = row.values[i];
            return value instanceof Date
              ? value.toISOString()
              : ((value as string | null | undefined) ?? null);
          }),
        );
        const result = await client.query(sql, [...columns, chunk.map((row) => row.contentHash), RUN_ID]);
        written += result.rowCount ?? 0;
      }
      if (writes.archives[entity].length > 0) {
        const result = await client.query(
          `UPDATE ${quote(table)} SET is_active = false, deactivated_at = now(), updated_at = now() WHERE is_active AND clever_id = ANY($1)`,
          [writes.archives[entity]],
        );
        written += result.rowCount ?? 0;
      }
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  return written;
}

const recordsOf = (writes: SchoolWrites[]) =>
  writes.reduce((n, w) => n + w.upserts.students.length + w.upserts.teachers.length, 0);

/**
 * SQLite's insert floor, one school at a time: gathered (not timed), then written (timed), so the
 * rows of a 1M-student district are never all in memory. The schools were written one after
 * another anyway (better-sqlite3 is synchronous), so the summed write time is the same floor.
 */
async function sqliteInsertFloor(job: DbFloorJob): Promise<Omit<JobResult, 'peakRssBytes'>> {
  let wallMs = 0;
  let records = 0;
  let written = 0;
  let schools = 0;
  global.gc?.();
  const rssStartBytes = process.memoryUsage().rss;
  for await (const writes of gatherRoster(job)) {
    const url = job.schoolUrlTemplate.replaceAll('{schoolId}', writes.schoolId);
    const started = performance.now();
    written += writeSqlite(url, writes, false);
    wallMs += performance.now() - started;
    records += recordsOf([writes]);
    schools++;
  }
  return {
    wallMs,
    rssStartBytes,
    records,
    rowsWritten: written,
    clientRequests: null,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    ok: true,
    detail: { schools },
  };
}

async function gatherAll(job: DbFloorJob): Promise<SchoolWrites[]> {
  const all: SchoolWrites[] = [];
  for await (const writes of gatherRoster(job)) all.push(writes);
  return all;
}

export async function runDbFloor(job: DbFloorJob): Promise<Omit<JobResult, 'peakRssBytes'>> {
  const upsert = job.rows.mode === 'changes';
  if (!upsert && job.provider === 'sqlite') return sqliteInsertFloor(job);
  const writes = job.rows.mode === 'insert' ? await gatherAll(job) : writesOfChanges(job.rows.changes);
  const records = recordsOf(writes);
  const urlOf = (schoolId: string) => job.schoolUrlTemplate.replaceAll('{schoolId}', schoolId);
  const {
    value: written,
    wallMs,
    rssStartBytes,
  } = await timed(async () => {
    if (job.provider === 'sqlite') {
      // better-sqlite3 is synchronous: one school after another is as fast as it gets in one process.
      return writes.reduce((n, w) => n + writeSqlite(urlOf(w.schoolId), w, upsert), 0);
    }
    const limit = pLimit(job.concurrency);
    const counts = await Promise.all(
      writes.map((w) => limit(() => writePostgres(urlOf(w.schoolId), w, upsert))),
    );
    return counts.reduce((a, b) => a + b, 0);
  });
  return {
    wallMs,
    rssStartBytes,
    records,
    rowsWritten: written,
    clientRequests: null,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    ok: true,
    detail: { schools: writes.length },
  };
}
