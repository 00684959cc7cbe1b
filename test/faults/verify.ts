/**
 * "Nothing lost, duplicated or reported wrongly", checked after a fault scenario has recovered:
 * every school database equals what the emulator serves (active ids and every stored field), the
 * rosters of schools Clever stopped sharing are archived, and the SessionDb tells the truth about
 * the runs (none left Running, no lease left held, a run's totals are the sum of its history).
 * Reads go through the raw drivers, never through the code under test.
 */
import { parseUser } from '../../src/clever/api/index.js';
import { rosterTable } from '../../src/db/base/roster-columns.js';
import type { SyncCounts, UserEntity } from '../../src/domain/index.js';
import { userStream } from '../../src/sync/execute/streams.js';
import { personInvalidReasons } from '../../src/sync/execute/validate.js';
import { rawQuery as query, type SyncEnv } from '../sync/integration/support.js';

const ENTITIES: UserEntity[] = ['students', 'teachers'];

/** A stored or expected value in one comparable form: dates as ISO instants, absent as null. */
function comparable(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(value)) {
    const date = new Date(value.includes('+') || value.endsWith('Z') ? value : `${value.replace(' ', 'T')}Z`);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  if (typeof value === 'bigint') return Number(value);
  return value;
}

const isTrue = (value: unknown) => value === true || value === 1 || value === 1n || value === '1';

export interface Verification {
  problems: string[];
  /** Rows compared (active rows of every shared school). */
  rows: number;
}

export interface VerifyOptions {
  /** Clever ids whose current record is invalid: the database keeps their last good row, active. */
  keptInvalid?: ReadonlySet<string>;
}

/** Every school database against the emulator's truth; SessionDb against the runs. */
export async function verifyAfterRecovery(
  env: SyncEnv,
  runIds: readonly string[],
  options: VerifyOptions = {},
): Promise<Verification> {
  const problems: string[] = [];
  let rows = 0;
  const shared = new Set([...env.emulator.truth.schools(env.districtId)].map((s) => s.id));
  const known = await env.session.schools.list({});
  const active = new Set(known.filter((s) => s.isActive).map((s) => s.cleverSchoolId));
  for (const id of shared)
    if (!active.has(id)) problems.push(`school ${id} is shared but not active in SessionDb`);
  for (const id of active)
    if (!shared.has(id)) problems.push(`school ${id} is active in SessionDb but not shared`);

  for (const school of known) {
    if (school.lastSuccessfulSyncAt === null && school.databaseName === null) continue;
    const { url } = await env.schools.resolveUrl({
      id: school.id,
      cleverSchoolId: school.cleverSchoolId,
      connectionSecretName: school.connectionSecretName,
      databaseName: school.databaseName,
    });
    for (const entity of ENTITIES) {
      const { table, columns } = rosterTable(entity);
      const stored = await query(
        url,
        `SELECT ${columns.map((c) => `"${c.column}"`).join(', ')}, is_active FROM "${table}" ORDER BY clever_id`,
      );
      const activeRows = stored.filter((row) => isTrue(row.is_active));
      if (!shared.has(school.cleverSchoolId)) {
        if (activeRows.length > 0)
          problems.push(
            `${entity} of unshared school ${school.cleverSchoolId}: ${activeRows.length} still active`,
          );
        continue;
      }
      const expected = new Map<string, Record<string, unknown>>();
      const records =
        entity === 'students'
          ? env.emulator.truth.studentsOfSchool(school.cleverSchoolId)
          : env.emulator.truth.teachersOfSchool(school.cleverSchoolId);
      for (const record of records) {
        const row = userStream(entity).rowOf(parseUser(record));
        if (!row || personInvalidReasons(row).length > 0) continue;
        expected.set(row.cleverId, row as unknown as Record<string, unknown>);
      }
      const seen = new Set<string>();
      for (const row of activeRows) {
        const id = String(row.clever_id);
        seen.add(id);
        rows += 1;
        const want = expected.get(id);
        if (!want) {
          if (!options.keptInvalid?.has(id))
            problems.push(
              `${entity} ${id} is active in school ${school.cleverSchoolId} but Clever does not list it`,
            );
          continue;
        }
        for (const column of columns) {
          const have = comparable(row[column.column]);
          const should = comparable(want[column.field]);
          if (JSON.stringify(have) !== JSON.stringify(should)) {
            problems.push(
              `${entity} ${id} in school ${school.cleverSchoolId}: ${column.field} is ${JSON.stringify(have)}, Clever says ${JSON.stringify(should)}`,
            );
          }
        }
      }
      for (const id of expected.keys())
        if (!seen.has(id))
          problems.push(`${entity} ${id} of school ${school.cleverSchoolId} is missing or archived`);
      for (const id of options.keptInvalid ?? [])
        if (stored.some((row) => String(row.clever_id) === id) && !seen.has(id))
          problems.push(`${entity} ${id} (invalid in Clever) lost its last good row`);
    }
    problems.push(
      ...(await verifyClasses(env, url, school.cleverSchoolId, shared.has(school.cleverSchoolId))),
    );
  }

  problems.push(...(await verifyBookkeeping(env, runIds)));
  return { problems, rows };
}

/**
 * The school's classes: active sections, courses and terms are exactly what Clever lists for it,
 * and the section links exactly the sections' member lists (an unshared school keeps none active).
 */
async function verifyClasses(
  env: SyncEnv,
  url: string,
  schoolId: string,
  shared: boolean,
): Promise<string[]> {
  const problems: string[] = [];
  const truth = env.emulator.truth;
  const ids = (records: Iterable<{ id: string }>) => [...records].map((r) => r.id).sort();
  const sections = shared ? [...truth.sections(env.districtId, schoolId)] : [];
  const expected: Record<'sections' | 'courses' | 'terms', string[]> = {
    sections: ids(sections),
    courses: shared ? ids(truth.coursesOfSchool(schoolId)) : [],
    terms: shared ? ids(truth.termsOfSchool(schoolId)) : [],
  };
  for (const table of ['sections', 'courses', 'terms'] as const) {
    const stored = await query(url, `SELECT clever_id, is_active FROM "${table}" ORDER BY clever_id`);
    const active = stored.filter((row) => isTrue(row.is_active)).map((row) => String(row.clever_id));
    const want = new Set(expected[table]);
    const have = new Set(active);
    const missing = [...want].filter((id) => !have.has(id));
    const extra = [...have].filter((id) => !want.has(id));
    if (missing.length + extra.length > 0)
      problems.push(
        `${table} of school ${schoolId}: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} active but not in Clever (${extra.slice(0, 3).join(', ')})`,
      );
  }
  for (const kind of ['teacher', 'student'] as const) {
    const want = new Set<string>();
    for (const section of sections) {
      const members = kind === 'teacher' ? [section.teacher, ...section.teachers] : section.students;
      for (const id of members) if (id) want.add(`${section.id}/${id}`);
    }
    const stored = await query(url, `SELECT section_clever_id, ${kind}_clever_id FROM "section_${kind}s"`);
    const have = new Set(stored.map((row) => `${row.section_clever_id}/${row[`${kind}_clever_id`]}`));
    const missing = [...want].filter((link) => !have.has(link)).length;
    const extra = [...have].filter((link) => !want.has(link)).length;
    if (missing + extra > 0)
      problems.push(
        `section ${kind}s of school ${schoolId}: ${missing} links missing, ${extra} not in Clever`,
      );
  }
  return problems;
}

const COUNT_KEYS: (keyof SyncCounts)[] = [
  'processed',
  'created',
  'updated',
  'archived',
  'restored',
  'failed',
  'invalid',
];

/** No run or history row left Running, no lease held, and each run's totals equal its history. */
async function verifyBookkeeping(env: SyncEnv, runIds: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const run of await env.session.runs.listRecent(200)) {
    if (run.status === 'Running') problems.push(`run ${run.runId} is still Running`);
  }
  for (const row of await env.session.history.list({ limit: 5_000 })) {
    if (row.status === 'Running') problems.push(`history row ${row.id} (${row.entity}) is still Running`);
  }
  const leases = await query(env.urls.sessionUrl, 'SELECT "key" FROM "leases"');
  if (leases.length > 0) problems.push(`leases still held: ${leases.map((l) => l.key).join(', ')}`);
  for (const runId of runIds) {
    const run = await env.session.runs.get(runId);
    if (!run || run.dryRun) continue;
    const history = await env.session.history.list({ runId, limit: 10_000 });
    const total = Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as SyncCounts;
    // Enrollments (section links) are counted per entity, not in the run's record totals.
    for (const row of history.filter((h) => h.schoolId !== null && h.entity !== 'enrollments'))
      for (const key of COUNT_KEYS) total[key] += row.counts[key];
    for (const key of COUNT_KEYS) {
      if (run.counts[key] !== total[key])
        problems.push(`run ${runId} reports ${key}=${run.counts[key]} but its history sums to ${total[key]}`);
    }
  }
  return problems;
}
