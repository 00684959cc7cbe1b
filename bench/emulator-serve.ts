/**
 * Benchmark (not a test): memory and time for the emulator to serve a full 1M-user district.
 *
 *   npm run bench:emulator                       # 1,000 schools x (950 students + 45 teachers + 5 staff)
 *   npm run bench:emulator -- --limit 1000 --concurrency 8 --mode schools
 *   npm run bench:emulator -- --mode sections    # every school's sections (generated classes)
 *
 * The emulator runs in a child process so its memory is measured without the client's; the
 * parent plays a sync client that walks every page (rel=next) and counts records.
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { startEmulator } from '../emulator/index.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    schools: { type: 'string', default: '1000' },
    students: { type: 'string', default: '950' },
    teachers: { type: 'string', default: '45' },
    staff: { type: 'string', default: '5' },
    limit: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '4' },
    /**
     * schools: per-school student+teacher lists (how clever-sync reads); users: /users?role=;
     * both (the two); sections: per-school section lists; all: the three.
     */
    mode: { type: 'string', default: 'both' },
  },
});

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

interface MemoryReport {
  rss: number;
  heapUsed: number;
  peakRss: number;
  peakHeapUsed: number;
}

// ---- child: the emulator ---------------------------------------------------------------------
async function serve(): Promise<void> {
  const before = process.memoryUsage();
  const started = performance.now();
  const emulator = await startEmulator({
    seed: 'bench',
    schoolsPerDistrict: Number(args.schools),
    studentsPerSchool: Number(args.students),
    teachersPerSchool: Number(args.teachers),
    staffPerSchool: Number(args.staff),
    rateLimitPerMinute: 1e9,
  });
  const startupMs = performance.now() - started;
  let peakRss = 0;
  let peakHeapUsed = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
  };
  const sampler = setInterval(sample, 25);
  sample();
  const memory = (): MemoryReport => ({ ...process.memoryUsage(), peakRss, peakHeapUsed });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'memory') process.send?.({ type: 'memory', memory: memory() });
    if (message.type === 'reset-peaks') {
      peakRss = 0;
      peakHeapUsed = 0;
      sample();
      process.send?.({ type: 'reset-peaks' });
    }
    if (message.type === 'stop') {
      clearInterval(sampler);
      emulator.stop().then(() => process.exit(0));
    }
  });
  process.send?.({
    type: 'ready',
    baseUrl: emulator.baseUrl,
    token: emulator.districts[0]!.token,
    startupMs,
    heapBefore: before.heapUsed,
    memory: memory(),
  });
}

// ---- parent: the client ----------------------------------------------------------------------
interface Walk {
  requests: number;
  records: number;
  bytes: number;
}

async function walk(baseUrl: string, token: string, path: string, totals: Walk): Promise<void> {
  let next: string | undefined = path;
  while (next !== undefined) {
    const response = await fetch(baseUrl + next, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET ${next} -> ${response.status}`);
    const body = JSON.parse(text) as { data: unknown[]; links: { rel: string; uri: string }[] };
    totals.requests++;
    totals.records += body.data.length;
    totals.bytes += Buffer.byteLength(text);
    next = body.links.find((l) => l.rel === 'next')?.uri;
  }
}

async function main(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['serve', ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const request = <T>(type: string): Promise<T> =>
    new Promise((resolve) => {
      const onMessage = (message: { type: string } & T) => {
        if (message.type === type) {
          child.off('message', onMessage);
          resolve(message);
        }
      };
      child.on('message', onMessage);
      if (type !== 'ready') child.send({ type });
    });

  const ready = await request<{
    baseUrl: string;
    token: string;
    startupMs: number;
    heapBefore: number;
    memory: MemoryReport;
  }>('ready');
  const users = Number(args.schools) * (Number(args.students) + Number(args.teachers) + Number(args.staff));
  const limit = Number(args.limit);
  console.log(
    `Emulated district: ${args.schools} schools, ${users.toLocaleString('en-US')} users, limit=${limit}`,
  );
  console.log(
    `Startup: ${ready.startupMs.toFixed(0)} ms; emulator heap ${mb(ready.memory.heapUsed)} (${mb(ready.memory.heapUsed - ready.heapBefore)} for the data), RSS ${mb(ready.memory.rss)}`,
  );

  const runs: { name: string; paths: () => Promise<string[]> }[] = [];
  const schoolIds = async () => {
    const totals: Walk = { requests: 0, records: 0, bytes: 0 };
    const ids: string[] = [];
    let next: string | undefined = `/v3.0/schools?limit=${limit}`;
    while (next !== undefined) {
      const response = await fetch(ready.baseUrl + next, {
        headers: { authorization: `Bearer ${ready.token}` },
      });
      const body = (await response.json()) as {
        data: { data: { id: string } }[];
        links: { rel: string; uri: string }[];
      };
      totals.requests++;
      for (const item of body.data) ids.push(item.data.id);
      next = body.links.find((l) => l.rel === 'next')?.uri;
    }
    return ids;
  };
  if (args.mode === 'schools' || args.mode === 'both' || args.mode === 'all') {
    runs.push({
      name: 'per school (students + teachers)',
      paths: async () =>
        (await schoolIds()).flatMap((id) => [
          `/v3.0/schools/${id}/users?role=student&limit=${limit}`,
          `/v3.0/schools/${id}/users?role=teacher&limit=${limit}`,
        ]),
    });
  }
  if (args.mode === 'sections' || args.mode === 'all') {
    runs.push({
      name: 'per school sections',
      paths: async () => (await schoolIds()).map((id) => `/v3.0/schools/${id}/sections?limit=${limit}`),
    });
  }
  if (args.mode === 'users' || args.mode === 'both' || args.mode === 'all') {
    runs.push({
      name: 'district-wide (/users by role)',
      paths: async () =>
        ['student', 'teacher', 'staff'].map((role) => `/v3.0/users?role=${role}&limit=${limit}`),
    });
  }

  for (const run of runs) {
    await request('reset-peaks');
    const paths = await run.paths();
    const totals: Walk = { requests: 0, records: 0, bytes: 0 };
    const gate = pLimit(Number(args.concurrency));
    const started = performance.now();
    await Promise.all(paths.map((path) => gate(() => walk(ready.baseUrl, ready.token, path, totals))));
    const seconds = (performance.now() - started) / 1000;
    const { memory } = await request<{ memory: MemoryReport }>('memory');
    console.log(`\n${run.name}, concurrency ${args.concurrency}:`);
    console.log(
      `  ${totals.requests.toLocaleString('en-US')} requests, ${totals.records.toLocaleString('en-US')} records, ${mb(totals.bytes)} JSON`,
    );
    console.log(
      `  ${seconds.toFixed(1)} s  ->  ${Math.round(totals.records / seconds).toLocaleString('en-US')} records/s, ${(totals.bytes / MB / seconds).toFixed(1)} MB/s`,
    );
    console.log(
      `  emulator peak RSS ${mb(memory.peakRss)}, peak heap ${mb(memory.peakHeapUsed)}; now heap ${mb(memory.heapUsed)}`,
    );
  }
  child.send({ type: 'stop' });
}

if (positionals[0] === 'serve') {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
