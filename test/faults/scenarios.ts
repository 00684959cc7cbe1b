/**
 * The fault matrix: each scenario injects one fault through the emulator or the real database,
 * runs the sync under it, checks what that run reported, and recovers. The matrix then compares
 * every school database with the emulator's truth and checks the SessionDb (verify.ts).
 *
 * Scenarios run in order against one long-lived deployment per provider, as a real one lives:
 * each starts from the state the previous one left, which its recovery proved equal to Clever.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { FaultRule } from '../../emulator/index.js';
import { AppError, ConflictError } from '../../src/errors.js';
import { leaseKeys } from '../../src/sync/leases.js';
import type { SyncOptions, SyncProgress, SyncRunResult } from '../../src/sync/types.js';
import type { EnvOptions, Provider, SyncEnv } from '../sync/integration/support.js';
import type { TcpProxy } from './tcp-proxy.js';
import type { Verification } from './verify.js';

export interface ScenarioContext {
  env: SyncEnv;
  provider: Provider;
  /** PostgreSQL: the proxy every app connection goes through (stop it and the database is gone). */
  proxy: TcpProxy | undefined;
  /** A run of everything (trigger `test`), recorded for the bookkeeping checks. */
  sync(options?: SyncOptions): Promise<SyncRunResult>;
  /** The end of the faulted phase: requests and time in the matrix are counted up to here. */
  recovering(): void;
  /** Rebuilds the services with extra settings (a "new process"); no argument = the defaults. */
  restart(extra?: EnvOptions): void;
  /** The shared schools' Clever ids, in a stable order. */
  schools(): string[];
  /** Checks data and bookkeeping now (scenarios with a meaningful state half-way). */
  verify(): Promise<Verification>;
  runIds: string[];
}

export interface ScenarioResult {
  /** What the faulted run(s) reported, in a few words, e.g. `PartiallySucceeded, school failed`. */
  outcome: string;
}

export interface FaultScenario {
  title: string;
  /** What the scenario proves, one sentence (docs/reliability.md). */
  proves: string;
  /** Providers it runs on (default both). */
  providers?: Provider[];
  /** Test timeout (default 60 s: scenarios wait out outages and retries). */
  timeoutMs?: number;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

const USERS = '/schools/{id}/users';
const DAY_MS = 24 * 3_600_000;

/** A fault on the roster pulls of a full run; passes if the run heals itself within its retries. */
function healedWithinTheRun(
  title: string,
  proves: string,
  rules: FaultRule[],
  extra?: EnvOptions,
): FaultScenario {
  return {
    title,
    proves,
    async run(ctx) {
      if (extra) ctx.restart(extra);
      ctx.env.emulator.faults.set(rules);
      const result = await ctx.sync({ full: true });
      const fired = ctx.env.emulator.faults.list().reduce((n, rule) => n + rule.fired, 0);
      ctx.recovering();
      ctx.env.emulator.faults.clear();
      if (extra) ctx.restart();
      expect(fired).toBeGreaterThan(0);
      expect(result.status).toBe('Succeeded');
      expect(result.counts.failed).toBe(0);
      return { outcome: `${result.status} (${fired} faults absorbed)` };
    },
  };
}

function schoolResult(result: SyncRunResult, cleverSchoolId: string) {
  return result.districts.flatMap((d) => d.schools).find((s) => s.cleverSchoolId === cleverSchoolId);
}

/** Students of a school that belong to no other school (deleting them touches only this one). */
function onlyHere(ctx: ScenarioContext, schoolId: string): string[] {
  return [...ctx.env.emulator.truth.studentsOfSchool(schoolId)]
    .filter((u) => (u.roles.student?.schools ?? []).length === 1)
    .map((u) => u.id);
}

/** Runs `work` when the first roster pull of the run is done (`onProgress`), once. */
function atFirstSchool(work: () => void): (progress: SyncProgress) => void {
  let done = false;
  return (progress) => {
    if (done || progress.schoolsCompleted + progress.schoolsFailed < 1) return;
    done = true;
    work();
  };
}

/** SQLite: another connection holds the database's write lock for `ms` (what a busy file looks like). */
function lockSqlite(url: string, ms: number): Promise<void> {
  const db = new Database(url.slice('file:'.length));
  db.exec('BEGIN EXCLUSIVE');
  return sleep(ms).then(() => {
    db.exec('COMMIT');
    db.close();
  });
}

const CRASH_CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

export const SCENARIOS: FaultScenario[] = [
  healedWithinTheRun(
    '429 storm without Retry-After',
    'Rate-limit answers are waited out until X-RateLimit-Reset and retried; nothing fails.',
    [{ kind: 'rate-limit', route: USERS, count: 2, resetInSeconds: 1 }],
  ),
  healedWithinTheRun('5xx burst', 'Server errors are retried with backoff; the run succeeds.', [
    { kind: 'status', status: 503, route: USERS, count: 4 },
  ]),
  healedWithinTheRun('connection resets', 'A connection dropped without an answer is retried.', [
    { kind: 'reset', route: USERS, count: 3 },
  ]),
  healedWithinTheRun(
    'truncated JSON',
    'A 200 whose JSON is cut short is retried, never read as a short roster.',
    [{ kind: 'truncate', route: USERS, count: 2 }],
  ),
  healedWithinTheRun(
    'HTML error pages',
    'A gateway HTML page is a retried failure, and its body is never taken for data.',
    [{ kind: 'html', status: 502, route: USERS, count: 3 }],
  ),
  healedWithinTheRun(
    'request timeouts',
    'A request slower than CLEVER_HTTP_TIMEOUT_MS is abandoned and retried.',
    [{ kind: 'latency', latencyMs: 1_500, route: USERS, count: 2 }],
    { cleverSettings: { CLEVER_HTTP_TIMEOUT_MS: '1000' } },
  ),
  healedWithinTheRun(
    'token rotated mid-run',
    'A 401 after Clever rotated the district token leads to one re-discovery, and the run goes on.',
    [{ kind: 'rotate-token', route: USERS, after: 3 }],
  ),
  {
    title: 'one school keeps failing (500)',
    proves: 'A failing school fails alone, is recorded with its error, and the next run completes it.',
    async run(ctx) {
      const bad = ctx.schools()[1]!;
      ctx.env.emulator.faults.set([{ kind: 'status', status: 500, route: USERS, id: bad }]);
      const result = await ctx.sync({ full: true });
      ctx.recovering();
      ctx.env.emulator.faults.clear();
      expect(result.status).toBe('PartiallySucceeded');
      expect(schoolResult(result, bad)).toMatchObject({
        status: 'Failed',
        error: expect.stringMatching(/500/),
      });
      expect(result.schoolsFailed).toBe(1);
      const school = await ctx.env.session.schools.findByCleverId(bad);
      const rows = await ctx.env.session.history.list({ runId: result.runId, schoolId: school!.id });
      expect(rows.some((r) => r.status === 'Failed' && /500/.test(r.errorSummary ?? ''))).toBe(true);
      expect((await ctx.sync()).status).toBe('Succeeded');
      return { outcome: `${result.status}, 1 school failed` };
    },
  },
  {
    title: 'a school fails part-way',
    proves: 'Rows written before a school failed are counted in its result, the run and SyncHistory.',
    async run(ctx) {
      const school = ctx.schools()[2]!;
      for (const id of [...ctx.env.emulator.truth.studentsOfSchool(school)].map((u) => u.id))
        ctx.env.emulator.admin.updateUser(id, {
          roles: { student: { student_number: `N-${id.slice(-6)}` } },
        });
      // Pages 1 and 2 of the school's students arrive, then the pull fails for good.
      ctx.env.emulator.faults.set([{ kind: 'status', status: 500, route: USERS, id: school, after: 2 }]);
      const result = await ctx.sync({ full: true });
      ctx.recovering();
      ctx.env.emulator.faults.clear();
      const failed = schoolResult(result, school)!;
      expect(failed.status).toBe('Failed');
      expect(failed.counts.updated).toBe(20);
      expect(result.counts.updated).toBeGreaterThanOrEqual(20);
      expect((await ctx.env.session.runs.get(result.runId))?.counts.updated).toBe(result.counts.updated);
      expect((await ctx.sync({ full: true })).status).toBe('Succeeded');
      return {
        outcome: `${result.status}, ${failed.counts.updated} rows written before the failure counted`,
      };
    },
  },
  {
    title: 'next link cycle (A -> B -> A)',
    proves:
      'A listing that loops fails its school after one lap with a clear error, not at the end of the run.',
    async run(ctx) {
      const school = ctx.schools()[0]!;
      ctx.env.emulator.faults.set([{ kind: 'link-cycle', route: USERS, id: school }]);
      ctx.env.emulator.resetStats();
      const result = await ctx.sync({ full: true });
      const requests = ctx.env.emulator.stats().byRoute[USERS];
      ctx.recovering();
      ctx.env.emulator.faults.clear();
      expect(schoolResult(result, school)).toMatchObject({
        status: 'Failed',
        error: expect.stringMatching(/loops/),
      });
      expect(result.status).toBe('PartiallySucceeded');
      // 4 schools x (3 student pages + 1 teacher page), the looping school stopping after its second page.
      expect(Object.values(requests ?? {}).reduce((a, b) => a + b, 0)).toBeLessThan(20);
      expect((await ctx.sync({ full: true })).status).toBe('Succeeded');
      return { outcome: `${result.status}, looping school failed after 2 pages` };
    },
  },
  {
    title: 'district read fails (429s, 503s on /districts/{id})',
    proves:
      'A district-level failure leaves a Failed SyncHistory row, and the third in a row raises an alert.',
    async run(ctx) {
      const alertsBefore = ctx.env.alerts.length;
      const results: SyncRunResult[] = [];
      // Two retries: three failures in a row fail the district read (six with the default five).
      // 429s the first time (each waits for its window), quicker 503s for the streak after it.
      ctx.restart({ cleverSettings: { CLEVER_RETRY_COUNT: '2' } });
      for (let i = 0; i < 3; i++) {
        ctx.env.emulator.faults.set([
          i === 0
            ? { kind: 'rate-limit', route: '/districts/{id}', count: 3, resetInSeconds: 0 }
            : { kind: 'status', status: 503, route: '/districts/{id}', count: 3 },
        ]);
        results.push(await ctx.sync());
      }
      ctx.recovering();
      ctx.env.emulator.faults.clear();
      ctx.restart();
      for (const result of results) {
        expect(result.status).toBe('Failed');
        const rows = await ctx.env.session.history.list({ runId: result.runId });
        expect(rows.find((r) => r.entity === 'districts' && r.districtId !== null)).toMatchObject({
          status: 'Failed',
          errorSummary: expect.stringMatching(/RATE_LIMITED|503/),
        });
      }
      const alerts = ctx.env.alerts.slice(alertsBefore).filter((a) => a.name === 'CleverSyncDistrictFailing');
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.measurements.consecutiveFailures).toBe(3);
      expect((await ctx.sync()).status).toBe('Succeeded');
      return { outcome: 'Failed x3, recorded, alert on the 3rd' };
    },
  },
  {
    title: 'mass removal on a full run',
    proves: 'A full sync that would archive most of a school is Held with an alert; a forced run applies it.',
    async run(ctx) {
      const school = ctx.schools()[3]!;
      const gone = onlyHere(ctx, school).slice(0, 12);
      for (const id of gone) ctx.env.emulator.admin.deleteUser(id);
      const alertsBefore = ctx.env.alerts.length;
      const held = await ctx.sync({ full: true });
      ctx.recovering();
      expect(held.status).toBe('Held');
      expect(schoolResult(held, school)).toMatchObject({ status: 'Held' });
      expect(held.counts.archived).toBe(0);
      expect(ctx.env.alerts.slice(alertsBefore).map((a) => a.name)).toContain('CleverSyncArchiveHeld');
      const forced = await ctx.sync({ full: true, force: true });
      expect(forced.status).toBe('Succeeded');
      expect(schoolResult(forced, school)?.counts.archived).toBe(12);
      return { outcome: 'Held (0 archived), then forced: 12 archived' };
    },
  },
  {
    title: 'mass removal through events',
    proves:
      'An incremental run is guarded too: Held, cursor kept before the deletions, applied only by force.',
    async run(ctx) {
      await ctx.sync(); // every school on a current cursor
      const school = ctx.schools()[0]!;
      const record = await ctx.env.session.schools.findByCleverId(school);
      const gone = onlyHere(ctx, school).slice(0, 12);
      for (const id of gone) ctx.env.emulator.admin.deleteUser(id);
      const alertsBefore = ctx.env.alerts.length;
      const held = await ctx.sync();
      ctx.recovering();
      expect(schoolResult(held, school)).toMatchObject({ status: 'Held', syncType: 'Incremental' });
      expect(held.status).toBe('Held');
      expect(held.counts.archived).toBe(0);
      expect((await ctx.env.session.schools.findByCleverId(school))?.eventsCursor).toBe(record!.eventsCursor);
      expect(ctx.env.alerts.slice(alertsBefore).map((a) => a.name)).toContain('CleverSyncArchiveHeld');
      // Held again by a plain run: the changes wait in the events, not lost.
      expect(schoolResult(await ctx.sync(), school)?.status).toBe('Held');
      const forced = await ctx.sync({ force: true });
      expect(schoolResult(forced, school)).toMatchObject({ status: 'Succeeded', syncType: 'Incremental' });
      expect(schoolResult(forced, school)?.counts.archived).toBe(12);
      return { outcome: 'Held (cursor kept), then forced: 12 archived' };
    },
  },
  {
    title: 'odd records (NUL, control characters, empty enums, unknown fields)',
    proves: 'Control characters are dropped before hashing; the rest of the text and the record are stored.',
    async run(ctx) {
      const [a, b] = onlyHere(ctx, ctx.schools()[1]!);
      ctx.env.emulator.admin.updateUser(a!, {
        name: { first: 'Nul\u0000Byte', last: 'Tab\tEsc\u001b' },
        roles: { student: { grade: '', hispanic_ethnicity: '', favourite_colour: 'teal' } },
        unknown_top_level: { nested: [1, 'two'] },
      });
      ctx.env.emulator.admin.updateUser(b!, { name: { middle: '\u0007' }, email: 'x\u0000@example.org' });
      const incremental = await ctx.sync();
      const full = await ctx.sync({ full: true });
      ctx.recovering();
      expect(incremental.status).toBe('Succeeded');
      expect(full.status).toBe('Succeeded');
      expect(full.counts.updated).toBe(0);
      return { outcome: 'Succeeded (incremental and full)' };
    },
  },
  {
    title: 'a record missing required fields',
    proves: 'An unreadable record is counted invalid and skipped; the last good row stays, never archived.',
    async run(ctx) {
      const [id] = onlyHere(ctx, ctx.schools()[2]!);
      ctx.env.emulator.admin.updateUser(id!, { name: { first: '', last: '' } });
      const incremental = await ctx.sync();
      const full = await ctx.sync({ full: true });
      ctx.recovering();
      expect(incremental.counts.invalid).toBe(1);
      expect(full.counts.invalid).toBe(1);
      expect(full.counts.archived).toBe(0);
      const kept = await ctx.verify();
      expect(kept.problems.filter((p) => !p.includes(id!))).toEqual([]);
      ctx.env.emulator.admin.updateUser(id!, { name: { first: 'Back', last: 'Again' } });
      expect((await ctx.sync()).counts.updated).toBe(1);
      return { outcome: `${full.status}, 1 invalid, last good row kept` };
    },
  },
  {
    title: 'Events switched off, then on',
    proves: 'Without Events access runs pull in full; when it returns they go incremental again.',
    async run(ctx) {
      ctx.env.emulator.admin.setEventsEnabled(ctx.env.districtId, false);
      ctx.env.emulator.admin.createUser(ctx.env.districtId, { role: 'student', schoolId: ctx.schools()[0]! });
      const off = await ctx.sync();
      ctx.recovering();
      ctx.env.emulator.admin.setEventsEnabled(ctx.env.districtId, true);
      expect(off.status).toBe('Succeeded');
      expect(off.districts[0]!.mode.fullSchools).toBe(4);
      await ctx.sync();
      expect((await ctx.sync()).districts[0]!.mode.incrementalSchools).toBe(4);
      return { outcome: 'Succeeded (full pulls), incremental again after' };
    },
  },
  {
    title: 'cursor older than the 30-day retention',
    proves: 'A cursor Clever no longer keeps leads to a full sync, never to missed changes.',
    async run(ctx) {
      ctx.env.emulator.admin.advanceClock(31 * DAY_MS);
      ctx.env.emulator.admin.createUser(ctx.env.districtId, { role: 'teacher', schoolId: ctx.schools()[1]! });
      const result = await ctx.sync();
      ctx.recovering();
      expect(result.status).toBe('Succeeded');
      expect(result.districts[0]!.mode.fullSchools).toBe(4);
      return { outcome: 'Succeeded (full fallback)' };
    },
  },
  {
    title: 'school unshared mid-run, then shared again',
    proves: "An unshared school's roster is archived with it, and restored by a full sync when shared again.",
    async run(ctx) {
      const school = ctx.schools()[3]!;
      ctx.env.emulator.faults.set([{ kind: 'unshare-school', schoolId: school, route: USERS, after: 2 }]);
      const during = await ctx.sync({ full: true });
      const after = await ctx.sync();
      ctx.recovering();
      ctx.env.emulator.faults.clear();
      expect(schoolResult(after, school)).toMatchObject({ reason: 'unshared', status: 'Succeeded' });
      const archived = await ctx.verify();
      expect(archived.problems).toEqual([]);
      ctx.env.emulator.admin.reshareSchool(school);
      const back = await ctx.sync();
      expect(schoolResult(back, school)).toMatchObject({ status: 'Succeeded', syncType: 'Full' });
      expect(schoolResult(back, school)?.counts.restored).toBeGreaterThan(0);
      return { outcome: `${during.status}; roster archived, restored on reshare` };
    },
  },
  {
    title: 'district disconnects mid-run, reconnects',
    proves:
      'A disconnect fails the run visibly, marks the district inactive and reports it; reconnecting resumes.',
    async run(ctx) {
      ctx.env.emulator.faults.set([{ kind: 'disconnect-district', route: USERS, after: 4 }]);
      const during = await ctx.sync({ full: true });
      const next = await ctx.sync();
      ctx.recovering();
      ctx.env.emulator.faults.clear();
      expect(during.status).not.toBe('Succeeded');
      expect(next.status).toBe('Failed');
      expect(next.districts[0]).toMatchObject({ disconnected: true });
      expect((await ctx.env.session.districts.findByCleverId(ctx.env.districtId))?.isActive).toBe(false);
      ctx.env.emulator.admin.reconnectDistrict(ctx.env.districtId);
      ctx.restart();
      expect((await ctx.sync()).status).toBe('Succeeded');
      return { outcome: `${during.status}, then Failed (disconnected) until reconnected` };
    },
  },
  {
    title: 'everything already running elsewhere',
    proves: 'A run whose every district another run holds is Skipped, not PartiallySucceeded with 0 schools.',
    async run(ctx) {
      const key = leaseKeys.district(ctx.env.districtId);
      await ctx.env.session.leases.tryAcquire(key, 'other-run#1', 60);
      const skipped = await ctx.sync();
      ctx.recovering();
      await ctx.env.session.leases.release(key, 'other-run#1');
      expect(skipped).toMatchObject({ status: 'Skipped', schoolsTotal: 0 });
      expect((await ctx.env.session.runs.get(skipped.runId))?.status).toBe('Skipped');
      return { outcome: 'Skipped' };
    },
  },
  {
    title: 'two runs at once',
    proves: 'A second run of the same scope is refused (409 with the running run id); the first completes.',
    async run(ctx) {
      ctx.env.emulator.faults.set([{ kind: 'latency', latencyMs: 100, route: '/events' }]);
      const first = await ctx.env.service.start({ scope: 'all' }, { trigger: 'test' });
      ctx.runIds.push(first.runId);
      const second = await ctx.env.service
        .start({ scope: 'all' }, { trigger: 'test' })
        .catch((e: unknown) => e);
      const result = await first.done;
      ctx.recovering();
      ctx.env.emulator.faults.clear();
      expect(second).toBeInstanceOf(ConflictError);
      expect((second as ConflictError).details.runId).toBe(first.runId);
      expect(result.status).toBe('Succeeded');
      return { outcome: 'second refused (409), first Succeeded' };
    },
  },
  {
    title: 'database unavailable briefly mid-run',
    proves:
      'A database outage shorter than the retry budget is ridden out by retries (PostgreSQL) or the busy timeout (SQLite).',
    async run(ctx) {
      const outage: Promise<void>[] = [];
      const onProgress = atFirstSchool(() => {
        if (ctx.proxy) {
          const proxy = ctx.proxy;
          outage.push(
            proxy
              .stop()
              .then(() => sleep(1_000))
              .then(() => proxy.start()),
          );
        } else outage.push(lockSqlite(ctx.env.urls.sessionUrl, 1_500));
      });
      ctx.env.emulator.admin.createUser(ctx.env.districtId, { role: 'student', schoolId: ctx.schools()[2]! });
      const result = await ctx.sync({ full: true, onProgress });
      await Promise.all(outage);
      ctx.recovering();
      expect(outage).toHaveLength(1);
      expect(result.status).toBe('Succeeded');
      return { outcome: result.status };
    },
  },
  {
    title: 'database unreachable as the run ends',
    proves: "The run's last writes retry through a short outage: the run is recorded, its leases released.",
    async run(ctx) {
      const outage: Promise<void>[] = [];
      const onProgress = (progress: SyncProgress) => {
        if (
          outage.length > 0 ||
          progress.districtsDone < progress.districtsTotal ||
          progress.districtsTotal === 0
        )
          return;
        if (ctx.proxy) {
          const proxy = ctx.proxy;
          outage.push(
            proxy
              .stop()
              .then(() => sleep(3_000))
              .then(() => proxy.start()),
          );
        } else outage.push(lockSqlite(ctx.env.urls.sessionUrl, 6_000));
      };
      const result = await ctx.sync({ onProgress });
      await Promise.all(outage);
      ctx.recovering();
      expect(outage).toHaveLength(1);
      expect(result.status).toBe('Succeeded');
      expect((await ctx.env.session.runs.get(result.runId))?.status).toBe('Succeeded');
      return { outcome: 'Succeeded, recorded after the outage' };
    },
  },
  {
    title: 'database refuses connections at start',
    proves:
      'A run asked for while the database is down is refused as unavailable (503), and the next one works.',
    providers: ['postgresql'],
    async run(ctx) {
      await ctx.env.schools.closeAll();
      await ctx.proxy!.stop();
      const refused = await ctx.env.service
        .start({ scope: 'all' }, { trigger: 'test' })
        .catch((e: unknown) => e);
      await ctx.proxy!.start();
      ctx.recovering();
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ code: 'DATABASE_UNAVAILABLE', httpStatus: 503 });
      expect((await ctx.sync()).status).toBe('Succeeded');
      return { outcome: 'refused: DATABASE_UNAVAILABLE (503)' };
    },
  },
  {
    title: 'process killed (SIGKILL) mid-run',
    timeoutMs: 120_000,
    proves:
      'A dead process leaves rows Running only until its leases expire; they become Abandoned and the next run completes the data.',
    async run(ctx) {
      ctx.env.emulator.faults.set([{ kind: 'latency', route: USERS, latencyMs: 300 }]);
      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CRASH_CHILD], {
        env: { ...process.env, CRASH_CHILD_CONFIG: JSON.stringify({ ...ctx.env.urls, full: true }) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const [line] = (await once(child.stdout!, 'data')) as [Buffer];
        const { runId } = JSON.parse(line.toString()) as { runId: string };
        for (let i = 0; i < 300; i++) {
          const rows = await ctx.env.session.history.list({ runId });
          if (rows.some((r) => r.status === 'Running' && r.schoolId !== null)) break;
          await sleep(50);
        }
        const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
        ctx.env.emulator.faults.clear();
        await sleep(1_500); // the child's leases last one second
        const recovered = await ctx.env.service.recoverAbandoned();
        ctx.recovering();
        expect(recovered.runs).toBe(1);
        expect(recovered.history).toBeGreaterThan(0);
        const run = await ctx.env.session.runs.get(runId);
        expect(run).toMatchObject({
          status: 'Abandoned',
          errorSummary: expect.stringMatching(/ended before it finished/),
        });
        expect(run?.completedAt).not.toBeNull();
        const rows = await ctx.env.session.history.list({ runId });
        expect(rows.filter((r) => r.status === 'Running')).toEqual([]);
        for (const row of rows.filter((r) => r.status === 'Abandoned')) {
          expect(row.completedAt).not.toBeNull();
          expect(row.errorSummary).toMatch(/ended before it finished/);
        }
        expect((await ctx.sync({ full: true })).status).toBe('Succeeded');
        return { outcome: `Abandoned (${recovered.history} rows), next run Succeeded` };
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  },
];
