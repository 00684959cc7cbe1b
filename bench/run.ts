/**
 * clever-sync benchmark suite (not a test): speed, memory and Clever request cost of the sync,
 * each beside a baseline and two floors measured in the same run.
 *
 *   npm run bench                 # full: 1 school; 200 schools / 100k students; incremental after 1%
 *                                 # changes; large: 1,200 schools / 1M students (page 10,000, 50 ms)
 *   npm run bench -- --quick      # a few minutes: one school and a 20-school district (no large)
 *   npm run bench -- --db sqlite --page 10000 --latency 0 --scenario district
 *   npm run bench -- --scenario large
 *
 * Every run is a child process of its own (peak RSS is that run's) on the compiled build
 * (bench/lib/compile.ts; `--tsx` runs them on tsx instead); the Clever emulator runs in another.
 * Results: bench/results/*.json and *.md. See docs/performance.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Command, InvalidArgumentError } from 'commander';
import { USER_ENTITIES } from '../src/domain/index.js';
import { compiledBenchDir, compileWorkers } from './lib/compile.js';
import {
  type DatabaseFactory,
  dropDatabases,
  leftoverDatabases,
  postgresAvailable,
  postgresFactory,
  sqliteFactory,
} from './lib/databases.js';
import { type Child, forkChild } from './lib/ipc.js';
import {
  classesMarkdown,
  type RunRecord,
  runsMarkdown,
  type ScenarioKey,
  summarize,
  summarizeClasses,
  summaryMarkdown,
} from './lib/report.js';
import type { ChangeSet, EmulatorInfo, EmulatorShape, Job, JobResult, Provider } from './lib/types.js';

const HERE = new URL('.', import.meta.url).pathname;

interface Suite {
  name: string;
  shape: EmulatorShape;
  /** Scenario key of the full run on this shape. */
  full: ScenarioKey;
  /** Scenario key of the incremental run after the full one (none: no incremental run). */
  incremental?: ScenarioKey;
  /** Schools the baseline syncs (undefined = all); the rest is extrapolated. */
  baselineSchools?: number;
  /** A fixed matrix (the large district): these page sizes, latencies and databases only. */
  fixed?: { pages: number[]; latencies: number[]; db: Provider[] };
}

/** The user rosters: what every scenario but `classes` syncs (SYNC_ENTITIES). */
const USER_ROSTERS = [...USER_ENTITIES];

/** The district of a suite with its classes generated: the `classes` scenario (issue 17). */
function withClasses(suite: Suite): Suite {
  return {
    name: `${suite.name.replace(/^[^:]*/, 'class rosters')}, with sections`,
    shape: { ...suite.shape, sections: true },
    full: 'classes',
  };
}

const ONE_SCHOOL: Suite = {
  name: 'one school: 1,488 students, 82 teachers',
  shape: {
    seed: 'bench-one-school',
    schools: 1,
    studentsPerSchool: 1_488,
    teachersPerSchool: 82,
    multiSchoolShare: 0,
    sections: false,
  },
  full: 'one-school',
};

const DISTRICT: Suite = {
  name: 'large district: 200 schools, 100,000 students, 6,000 teachers',
  shape: {
    seed: 'bench-district',
    schools: 200,
    studentsPerSchool: 500,
    teachersPerSchool: 30,
    multiSchoolShare: 0.05,
    sections: false,
  },
  full: 'district',
  incremental: 'incremental',
  baselineSchools: 2,
};

const QUICK_DISTRICT: Suite = {
  ...DISTRICT,
  name: 'district (quick): 20 schools, 5,000 students, 300 teachers',
  shape: { ...DISTRICT.shape, schools: 20, studentsPerSchool: 250, teachersPerSchool: 15 },
};

const FULL_SUITES: Suite[] = [
  ONE_SCHOOL,
  DISTRICT,
  withClasses(DISTRICT),
  {
    // A NYC-sized district: 1,000,800 students and 60,000 teachers, 1.12M roster records.
    name: 'large district: 1,200 schools, 1M students, 60,000 teachers',
    shape: {
      seed: 'bench-large',
      schools: 1_200,
      studentsPerSchool: 834,
      teachersPerSchool: 50,
      multiSchoolShare: 0.05,
      sections: false,
    },
    full: 'large',
    incremental: 'large-incremental',
    baselineSchools: 2,
    fixed: { pages: [10_000], latencies: [50], db: ['sqlite'] },
  },
];

const QUICK_SUITES: Suite[] = [ONE_SCHOOL, QUICK_DISTRICT, withClasses(QUICK_DISTRICT)];

const list = (parse: (v: string) => unknown) => (value: string) =>
  value.split(',').map((v) => parse(v.trim()));
const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`not a non-negative integer: ${v}`);
  return n;
};
const provider = (v: string): Provider => {
  if (v === 'sqlite' || v === 'postgresql') return v;
  throw new InvalidArgumentError(`unknown database ${v} (sqlite, postgresql)`);
};

const program = new Command('bench')
  .description('clever-sync benchmarks: sync vs. baseline vs. API and database floors')
  .option('--quick', 'a smaller district (20 schools): finishes in a few minutes', false)
  .option('--db <list>', 'databases: sqlite,postgresql', list(provider), ['sqlite', 'postgresql'])
  .option('--page <list>', 'Clever page sizes (full: 100,10000; quick: 100)', list(int))
  .option('--latency <list>', 'emulator latency per request in ms (full: 0,50; quick: 50)', list(int))
  .option('--district-page <list>', 'page sizes for the large district only (default: --page)', list(int))
  .option(
    '--district-latency <list>',
    'latencies for the large district only (default: --latency)',
    list(int),
  )
  .option(
    '--scenario <list>',
    'one-school,district,classes,large (district and large include incremental; classes: the district with sections, users only vs. everything, page 10,000 unless --page; large: SQLite, page 10,000, 50 ms; not in --quick)',
    list(String),
    ['one-school', 'district', 'classes', 'large'],
  )
  .option('--concurrency <n>', 'schools at once (SYNC_MAX_CONCURRENT_SCHOOLS)', int, 5)
  .option('--change-share <share>', 'share of users changed before the incremental run', Number, 0.01)
  .option(
    '--baseline-schools <n>',
    'schools the baseline syncs in the large district (rest extrapolated)',
    int,
  )
  .option('--no-baseline', 'skip the baseline')
  .option('--tsx', 'run the measured processes on tsx instead of the compiled build', false)
  .option('--cpu-prof <dir>', 'write a V8 CPU profile of every measured run into this folder')
  .option(
    '--node-arg <flag>',
    'a Node/V8 flag for the measured processes, e.g. --max-semi-space-size=8 (repeatable)',
    (flag: string, previous: string[]) => [...previous, flag],
    [] as string[],
  )
  .option('--out <dir>', 'results folder', join(HERE, 'results'))
  .option('--drop-leftovers', 'first drop cbench_* PostgreSQL databases left by an interrupted run', false);

const opts = program.parse().opts<{
  quick: boolean;
  db: Provider[];
  page?: number[];
  latency?: number[];
  districtPage?: number[];
  districtLatency?: number[];
  scenario: string[];
  concurrency: number;
  changeShare: number;
  baselineSchools?: number;
  baseline: boolean;
  tsx: boolean;
  cpuProf?: string;
  nodeArg: string[];
  out: string;
  dropLeftovers: boolean;
}>();

const pages = opts.page ?? (opts.quick ? [100] : [100, 10_000]);
const latencies = opts.latency ?? (opts.quick ? [50] : [0, 50]);
function matrixOf(suite: Suite): { pages: number[]; latencies: number[] } {
  if (suite.fixed) return suite.fixed;
  if (suite.full === 'classes') {
    // The district's shape at the page size it runs best at: the cost classes add, not a page sweep.
    const classPages = opts.quick ? pages : (opts.page ?? [10_000]);
    return { pages: opts.districtPage ?? classPages, latencies: opts.districtLatency ?? latencies };
  }
  if (suite.full !== 'district') return { pages, latencies };
  return { pages: opts.districtPage ?? pages, latencies: opts.districtLatency ?? latencies };
}

/** Users changed before the second incremental run of the district (issue 15: 12 changes < 0.5 s). */
const FEW_CHANGES = 12;

const runTag = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const tmpRoot = join(os.tmpdir(), `clever-bench-${runTag}`);
const logDir = join(tmpRoot, 'logs');
const children = new Set<Child>();
const factories: DatabaseFactory[] = [];
const runs: RunRecord[] = [];
const JOB_TIMEOUT_MS = (opts.quick ? 5 : 15) * 60_000;
const ROOT = join(HERE, '..');
/** The measured processes' script: the compiled worker (set in main), or the TypeScript one on tsx. */
let workerScript = join(HERE, 'worker.ts');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function cleanUp(): Promise<void> {
  for (const child of children) child.kill();
  // dist/ is what deploys: the transpiled workers do not stay in it.
  if (!opts.tsx) rmSync(compiledBenchDir(ROOT), { recursive: true, force: true });
  for (const factory of factories) await factory.dropAll().catch(() => undefined);
  factories.length = 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`\n${signal}: stopping children and dropping benchmark databases...`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/**
 * Requests a full pull needs at this page size: per school its users' listing, and with classes its
 * sections' listing, each at least one page, plus the district's course catalogue and terms read
 * once (the emulator's catalogue fits one page at the bench's page sizes).
 */
function expectedRequests(info: EmulatorInfo, pageSize: number, classes = false): number {
  const pagesOf = (records: number) => Math.max(1, Math.ceil(records / pageSize));
  return info.schools.reduce(
    (n, s) => n + pagesOf(s.students + s.teachers) + (classes ? pagesOf(s.sections) : 0),
    Math.ceil(info.schools.length / pageSize) + 3 + (classes ? 2 : 0),
  );
}

/**
 * Clever's budget is a fixed window per minute. A run that needs more than one minute's budget
 * starts just after a minute boundary, as a nightly timer does (cron `0 0 2 * * *`), so every
 * contender meets the limit at the same point instead of at a random one.
 */
async function alignToMinute(requests: number): Promise<void> {
  if (requests < 1_000) return;
  const wait = 60_000 - (Date.now() % 60_000) + 300;
  log(
    `      (${requests} requests > one minute's budget: starting at the next minute, in ${(wait / 1000).toFixed(0)} s)`,
  );
  await new Promise((resolve) => setTimeout(resolve, wait));
}

async function runJob(job: Job): Promise<JobResult> {
  const worker = forkChild(workerScript, {
    name: `${job.kind} worker`,
    nodeArgs: [...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : []), ...opts.nodeArg],
  });
  children.add(worker);
  try {
    return await worker.call<JobResult>('run', job, JOB_TIMEOUT_MS);
  } catch (error) {
    return {
      wallMs: Number.NaN,
      records: 0,
      rowsWritten: 0,
      clientRequests: null,
      rateLimitWaits: 0,
      rateLimitWaitMs: 0,
      rssStartBytes: 0,
      peakRssBytes: 0,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    await worker.close();
    children.delete(worker);
  }
}

let runNumber = 0;

async function measure(
  emulator: Child,
  meta: Omit<RunRecord, 'result' | 'emulatorRequests' | 'emulator429'>,
  job: Job,
  align = 0,
): Promise<RunRecord> {
  runNumber++;
  const label = `${meta.scenario} ${meta.provider} page ${meta.pageSize} latency ${meta.latencyMs} ms: ${meta.contender}`;
  await emulator.call('rotateToken');
  await alignToMinute(align);
  await emulator.call('resetStats');
  const result = await runJob(job);
  const stats = await emulator.call<{ total: number; byStatus: Record<string, number> }>('stats');
  const record: RunRecord = {
    ...meta,
    result,
    emulatorRequests: stats.total,
    emulator429: stats.byStatus['429'] ?? 0,
  };
  if (record.extrapolated) record.extrapolated.measuredWallMs = result.wallMs;
  runs.push(record);
  const summary = result.ok
    ? `${(result.wallMs / 1000).toFixed(2)} s, ${result.records} records, ${stats.total} requests, ${Math.round(result.peakRssBytes / 1048576)} MB peak RSS`
    : `FAILED: ${result.error?.split('\n')[0]}`;
  log(`  [${runNumber}] ${label}: ${summary}`);
  writeResults(false);
  return record;
}

async function runSuite(suite: Suite, providers: Provider[], emulator: Child): Promise<void> {
  log(`\n== ${suite.name}`);
  let info = await emulator.call<EmulatorInfo>('start', suite.shape);
  const allIds = info.schools.map((s) => s.id);
  const subsetSize = opts.baselineSchools ?? suite.baselineSchools;
  const subset =
    subsetSize !== undefined && subsetSize < allIds.length ? info.schools.slice(0, subsetSize) : info.schools;
  const rosterOf = (schools: EmulatorInfo['schools']) =>
    schools.reduce((n, s) => n + s.students + s.teachers, 0);
  const factor = rosterOf(info.schools) / rosterOf(subset);
  const extrapolated =
    subset.length < info.schools.length
      ? { factor, measuredSchools: subset.length, totalSchools: info.schools.length, measuredWallMs: 0 }
      : undefined;
  log(
    `   ${info.users.toLocaleString('en-US')} users, ${rosterOf(info.schools).toLocaleString('en-US')} roster records in ${info.schools.length} schools` +
      (extrapolated ? `; baseline on ${subset.length} schools, extrapolated ×${factor.toFixed(1)}` : ''),
  );

  // Configurations outermost, databases innermost: an interrupted run still compares both databases.
  const suiteFactories = providers.map((provider) => {
    const factory =
      provider === 'sqlite'
        ? sqliteFactory(join(tmpRoot, `sqlite-${suite.full}`))
        : postgresFactory(`cbench_${runTag}_${suite.full.slice(0, 1)}`);
    factories.push(factory);
    return { provider, factory, syncDbs: factory.set('sync'), baseDbs: factory.set('base'), first: true };
  });
  const matrix = matrixOf(suite);
  for (const pageSize of matrix.pages) {
    for (const latencyMs of matrix.latencies) {
      for (const [pi, slot] of suiteFactories.entries()) {
        const { provider, syncDbs, baseDbs, first } = slot;
        // A fresh emulator (same seed, same data) for every configuration: the change set of the
        // previous one is gone and every run starts from the same district.
        info = await emulator.call<EmulatorInfo>('start', suite.shape);
        const base = { provider, pageSize, latencyMs };
        const endpoint = {
          baseUrl: info.baseUrl,
          tokensUrl: info.tokensUrl,
          clientId: info.clientId,
          clientSecret: info.clientSecret,
        };
        const logFile = (what: string) =>
          join(logDir, `${suite.full}-${provider}-${pageSize}-${latencyMs}-${what}.log`);

        if (first) {
          await emulator.call('setLatency', { latencyMs: 0 });
          await syncDbs.reset(allIds);
          await measure(
            emulator,
            { ...base, scenario: suite.full, contender: 'db-floor' },
            {
              kind: 'db-floor',
              emulator: endpoint,
              logFile: logFile('db-floor'),
              provider,
              schoolUrlTemplate: syncDbs.schoolUrlTemplate,
              concurrency: opts.concurrency,
              rows: { mode: 'insert' },
            },
          );
        }
        await emulator.call('setLatency', { latencyMs });

        await syncDbs.reset(allIds);
        const syncJob = {
          kind: 'sync' as const,
          emulator: endpoint,
          sessionUrl: syncDbs.sessionUrl,
          schoolUrlTemplate: syncDbs.schoolUrlTemplate,
          pageSize,
          concurrency: opts.concurrency,
          entities: USER_ROSTERS,
        };
        const full = await measure(
          emulator,
          { ...base, scenario: suite.full, contender: 'sync' },
          { ...syncJob, full: true, logFile: logFile('sync-full') },
          expectedRequests(info, pageSize),
        );

        if (opts.baseline) {
          await baseDbs.reset(subset.map((s) => s.id));
          await measure(
            emulator,
            {
              ...base,
              scenario: suite.full,
              contender: 'baseline',
              ...(extrapolated ? { extrapolated: { ...extrapolated } } : {}),
            },
            {
              kind: 'baseline',
              emulator: endpoint,
              logFile: logFile('baseline'),
              schoolUrlTemplate: baseDbs.schoolUrlTemplate,
              pageSize,
              ...(extrapolated ? { schoolIds: subset.map((s) => s.id) } : {}),
            },
          );
        }
        if (pi === 0) {
          await measure(
            emulator,
            { ...base, scenario: suite.full, contender: 'api-floor' },
            {
              kind: 'api-floor',
              emulator: endpoint,
              logFile: logFile('api-floor'),
              pageSize,
              concurrency: opts.concurrency,
            },
            expectedRequests(info, pageSize),
          );
        }

        const incremental = suite.incremental;
        if (incremental && full.result.ok) {
          const cursor = await emulator.call<string | null>('latestEventId');
          const changes = await emulator.call<ChangeSet>('applyChanges', {
            share: opts.changeShare,
            seed: 2025,
          });
          if (first && pi === 0) {
            const c = changes.counts;
            log(
              `   changes: ${c.updates} updates, ${c.creates} creates, ${c.deletes} deletes, ${c.moves} moves`,
            );
          }
          await measure(
            emulator,
            { ...base, scenario: incremental, contender: 'sync' },
            { ...syncJob, full: false, logFile: logFile('sync-incremental') },
          );
          if (opts.baseline) {
            // The baseline has no incremental mode: its only way to pick up changes is to run again.
            await measure(
              emulator,
              {
                ...base,
                scenario: incremental,
                contender: 'baseline',
                ...(extrapolated ? { extrapolated: { ...extrapolated } } : {}),
              },
              {
                kind: 'baseline',
                emulator: endpoint,
                logFile: logFile('baseline-incremental'),
                schoolUrlTemplate: baseDbs.schoolUrlTemplate,
                pageSize,
                ...(extrapolated ? { schoolIds: subset.map((s) => s.id) } : {}),
              },
            );
          }
          if (pi === 0) {
            await measure(
              emulator,
              { ...base, scenario: incremental, contender: 'api-floor' },
              {
                kind: 'api-floor',
                emulator: endpoint,
                logFile: logFile('api-floor-events'),
                pageSize,
                concurrency: opts.concurrency,
                events: { startingAfter: cursor },
              },
            );
          }
          if (first) {
            await measure(
              emulator,
              { ...base, scenario: incremental, contender: 'db-floor' },
              {
                kind: 'db-floor',
                emulator: endpoint,
                logFile: logFile('db-floor-changes'),
                provider,
                schoolUrlTemplate: syncDbs.schoolUrlTemplate,
                concurrency: opts.concurrency,
                rows: { mode: 'changes', changes: changes.changes },
              },
            );
          }
          // After the floors and the baseline, which measure the 1% change set alone.
          if (incremental === 'incremental') {
            // A quiet night: a dozen changes should cost a dozen changes, not a visit to every school.
            await emulator.call<ChangeSet>('applyChanges', { share: 0, count: FEW_CHANGES, seed: 2026 });
            await measure(
              emulator,
              { ...base, scenario: 'incremental-few', contender: 'sync' },
              { ...syncJob, full: false, logFile: logFile('sync-incremental-few') },
            );
          }
        }
        slot.first = false;
      }
    }
  }
  for (const { factory } of suiteFactories) {
    await factory.dropAll();
    factories.splice(factories.indexOf(factory), 1);
  }
}

/**
 * The class-roster scenario (issue 17): one district with its sections, synced twice per
 * configuration into fresh databases, users only (SYNC_ENTITIES=students,teachers, what the other
 * scenarios measure) and everything (the product's default): the difference is what classes cost.
 */
async function runClassesSuite(suite: Suite, providers: Provider[], emulator: Child): Promise<void> {
  log(`\n== ${suite.name}`);
  let info = await emulator.call<EmulatorInfo>('start', suite.shape);
  const allIds = info.schools.map((s) => s.id);
  const roster = info.schools.reduce((n, s) => n + s.students + s.teachers, 0);
  log(
    `   ${info.users.toLocaleString('en-US')} users, ${roster.toLocaleString('en-US')} roster records in ${info.schools.length} schools; ` +
      `${info.classes.sections.toLocaleString('en-US')} sections with ${info.classes.enrollments.toLocaleString('en-US')} enrollments (teacher and student links)`,
  );
  const slots = providers.map((provider) => {
    const factory =
      provider === 'sqlite'
        ? sqliteFactory(join(tmpRoot, `sqlite-${suite.full}`))
        : postgresFactory(`cbench_${runTag}_${suite.full.slice(0, 1)}`);
    factories.push(factory);
    return { provider, factory, dbs: factory.set('sync') };
  });
  const matrix = matrixOf(suite);
  const contenders = [
    { contender: 'sync-users' as const, entities: USER_ROSTERS, classes: false },
    { contender: 'sync-all' as const, entities: undefined, classes: true },
  ];
  for (const pageSize of matrix.pages) {
    for (const latencyMs of matrix.latencies) {
      for (const { provider, dbs } of slots) {
        info = await emulator.call<EmulatorInfo>('start', suite.shape);
        await emulator.call('setLatency', { latencyMs });
        const endpoint = {
          baseUrl: info.baseUrl,
          tokensUrl: info.tokensUrl,
          clientId: info.clientId,
          clientSecret: info.clientSecret,
        };
        for (const { contender, entities, classes } of contenders) {
          // Fresh databases for each: both are initial loads of the same district.
          await dbs.reset(allIds);
          await measure(
            emulator,
            { provider, pageSize, latencyMs, scenario: suite.full, contender },
            {
              kind: 'sync',
              emulator: endpoint,
              logFile: join(logDir, `${suite.full}-${provider}-${pageSize}-${latencyMs}-${contender}.log`),
              sessionUrl: dbs.sessionUrl,
              schoolUrlTemplate: dbs.schoolUrlTemplate,
              pageSize,
              concurrency: opts.concurrency,
              full: true,
              ...(entities ? { entities } : {}),
            },
            expectedRequests(info, pageSize, classes),
          );
        }
      }
    }
  }
  for (const { factory } of slots) {
    await factory.dropAll();
    factories.splice(factories.indexOf(factory), 1);
  }
}

function command(file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function machine(postgres: boolean): Promise<Record<string, unknown>> {
  const cpus = os.cpus();
  let postgresVersion: string | undefined;
  if (postgres) {
    const pg = await import('pg');
    const client = new pg.default.Client({
      connectionString: (await import('./lib/databases.js')).POSTGRES_ADMIN_URL,
    });
    await client.connect();
    postgresVersion = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
      .rows[0]?.v;
    await client.end();
  }
  const sqlite = new Database(':memory:');
  const sqliteVersion = (sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  sqlite.close();
  return {
    cpu: cpus[0]?.model,
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    sqlite: sqliteVersion,
    postgresql: postgresVersion ?? 'not available',
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    commit: command('git', ['rev-parse', '--short', 'HEAD']),
  };
}

const started = new Date();
const mode = opts.quick ? 'quick' : 'full';
const stamp = started
  .toISOString()
  .replaceAll(':', '-')
  .replace(/\.\d+Z$/, 'Z');
let machineInfo: Record<string, unknown> = {};

/** Written after every run, so an interrupted benchmark still leaves what it measured. */
function writeResults(finished: boolean): string {
  const summary = summarize(runs);
  const end = new Date();
  const env = machineInfo;
  const header = [
    `# clever-sync benchmark (${mode}${finished ? '' : ', incomplete'})`,
    '',
    `${started.toISOString()} – ${end.toISOString()} (${((end.getTime() - started.getTime()) / 60_000).toFixed(1)} min), commit ${env.commit ?? '?'}.`,
    `Machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGb} GB, ${env.os}, Node ${env.node}, SQLite ${env.sqlite}, PostgreSQL ${env.postgresql}; load average at start ${String(env.loadAverageAtStart)}.`,
    `Settings: ${opts.concurrency} schools at once, Clever budget 1,200 requests/minute per token, ${opts.changeShare * 100}% of users changed before the incremental run.`,
    '',
    'sync = clever-sync (src/app.ts services, SyncService.syncAllDistricts); baseline = bench/baseline/naive-sync.ts',
    '(one Prisma upsert per record, schools one after another, whole roster fetched first; ≈ = measured on a subset',
    'of schools and scaled by roster size); API floor = fetch every page, write nothing, same concurrency; DB floor =',
    "raw driver's bulk write of the same rows; overhead = sync ÷ max(API floor, DB floor). Times in seconds.",
    '',
  ].join('\n');
  const classes = summarizeClasses(runs);
  const tables = `${summaryMarkdown(summary)}\n${classesMarkdown(classes)}`;
  const markdown = `${header}\n${tables}\n## Every run\n\n${runsMarkdown(runs)}\n`;
  const json = JSON.stringify(
    {
      mode,
      finished,
      started,
      ended: end,
      machine: env,
      options: { ...opts, pages, latencies },
      summary,
      classes,
      runs,
    },
    null,
    2,
  );
  mkdirSync(opts.out, { recursive: true });
  for (const name of [`bench-${mode}-${stamp}`, `latest-${mode}`]) {
    writeFileSync(join(opts.out, `${name}.json`), `${json}\n`);
    writeFileSync(join(opts.out, `${name}.md`), markdown);
  }
  return tables;
}

async function main(): Promise<void> {
  let providers = opts.db;
  if (providers.includes('postgresql')) {
    const problem = await postgresAvailable();
    if (problem) {
      log(`PostgreSQL not reachable (${problem}): running SQLite only.`);
      providers = providers.filter((p) => p !== 'postgresql');
    } else if (opts.dropLeftovers) {
      const leftovers = await leftoverDatabases();
      if (leftovers.length > 0) {
        log(`dropping ${leftovers.length} leftover cbench_* databases`);
        await dropDatabases(leftovers);
      }
    }
  }
  const suites = (opts.quick ? QUICK_SUITES : FULL_SUITES).filter((s) => opts.scenario.includes(s.full));
  if (!opts.tsx) workerScript = compileWorkers(ROOT, log);
  machineInfo = await machine(providers.includes('postgresql'));
  const env = machineInfo;
  log(
    `clever-sync benchmark (${mode}): ${providers.join(', ')}; ` +
      suites
        .map(
          (s) =>
            `${s.full}: pages ${matrixOf(s).pages.join(', ')}, latency ${matrixOf(s).latencies.join(', ')} ms`,
        )
        .join('; ') +
      `; ${opts.concurrency} schools at once`,
  );
  log(
    `machine: ${env.cpu} x${env.cores}, ${env.memoryGb} GB, load ${String(env.loadAverageAtStart)}; logs in ${logDir}`,
  );

  const emulator = forkChild(join(HERE, 'emulator-process.ts'), { name: 'emulator' });
  children.add(emulator);
  try {
    for (const suite of suites) {
      const these = suite.fixed ? providers.filter((p) => suite.fixed?.db.includes(p)) : providers;
      await (suite.full === 'classes' ? runClassesSuite : runSuite)(suite, these, emulator);
    }
  } finally {
    await emulator.call('stop').catch(() => undefined);
    await emulator.close();
    children.delete(emulator);
    await cleanUp();
  }
  const table = writeResults(true);
  process.stdout.write(`\n${table}\n`);
  log(`results: ${join(opts.out, `bench-${mode}-${stamp}`)}.{json,md} (and latest-${mode}.*)`);
  if (runs.some((r) => !r.result.ok)) {
    log(`some runs failed: their logs are in ${logDir}`);
    process.exitCode = 1;
  } else rmSync(tmpRoot, { recursive: true, force: true });
}

main().catch(async (error) => {
  log(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await cleanUp();
  process.exit(1);
});
