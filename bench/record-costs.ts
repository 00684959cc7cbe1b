/**
 * Micro-benchmark (not a test): what one Clever user record costs on the sync's CPU path, step by
 * step, in microseconds per record: JSON.parse of a page, zod validation (parseUser), mapping to
 * a row (mapStudent / mapTeacher), and prepareRows (column values + content hash).
 *
 *   npm run bench:records                  # 1 school of 5,000 students + 300 teachers, 15 rounds
 *   npm run bench:records -- --rounds 30
 *   npm run bench:records -- --worker      # also: the same four steps in a worker thread
 *
 * Each step runs over the whole set per round; the best and the median round are printed (the
 * best is the least disturbed by other work on a shared machine). Run it on two trees to compare.
 */
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startEmulator } from '../emulator/index.js';
import { parseUser } from '../src/clever/api/parse.js';
import { prepareRows } from '../src/db/base/roster-columns.js';
import { mapStudent, mapTeacher } from '../src/sync/execute/mapping.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    students: { type: 'string', default: '5000' },
    teachers: { type: 'string', default: '300' },
    worker: { type: 'boolean', default: false },
  },
});

const emulator = await startEmulator({
  seed: 'bench-records',
  districts: 1,
  schoolsPerDistrict: 1,
  studentsPerSchool: Number(args.students),
  teachersPerSchool: Number(args.teachers),
  staffPerSchool: 0,
  multiSchoolShare: 0,
});
const districtId = emulator.districts[0]!.id;
// As Clever sends them: one JSON page of `{ data }` wrappers.
const page = JSON.stringify({
  data: [...emulator.truth.users(districtId, 'student'), ...emulator.truth.users(districtId, 'teacher')].map(
    (data) => ({ data }),
  ),
});
await emulator.stop();

const raw = (JSON.parse(page) as { data: { data: unknown }[] }).data.map((entry) => entry.data);
const users = raw.map(parseUser);
const students = users.flatMap((user) => mapStudent(user) ?? []);
const teachers = users.flatMap((user) => mapTeacher(user) ?? []);
const n = users.length;

function measure(name: string, perRound: number, work: () => unknown): void {
  const times: number[] = [];
  let sink: unknown;
  for (let round = 0; round < Number(args.rounds); round++) {
    const started = process.hrtime.bigint();
    sink = work();
    times.push(Number(process.hrtime.bigint() - started) / 1_000 / perRound);
  }
  if (sink === undefined) throw new Error('no result');
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${name.padEnd(34)} ${times[0]!.toFixed(2).padStart(7)} us  (median ${median.toFixed(2)})`);
}

console.log(
  `${n} records (${students.length} students, ${teachers.length} teachers), ${args.rounds} rounds; per record:`,
);
measure('JSON.parse (page)', n, () => JSON.parse(page));
measure('parseUser (zod)', n, () => raw.map(parseUser));
measure('map (mapStudent + mapTeacher)', n, () => users.map((user) => mapStudent(user) ?? mapTeacher(user)));
measure('prepareRows (values + hash)', n, () => [
  ...prepareRows('students', students),
  ...prepareRows('teachers', teachers),
]);
measure('all four', n, () => {
  const parsed = (JSON.parse(page) as { data: { data: unknown }[] }).data.map((entry) =>
    parseUser(entry.data),
  );
  const s = parsed.flatMap((user) => mapStudent(user) ?? []);
  const t = parsed.flatMap((user) => mapTeacher(user) ?? []);
  return [...prepareRows('students', s), ...prepareRows('teachers', t)];
});

if (args.worker) await measureWorker();

/**
 * Whether a worker thread for the four steps pays: the main thread's busy time (event-loop
 * utilization) and the wall time per record when each page goes to a worker as bytes and comes
 * back as prepared rows (structured clone), one page in flight, and two (main and worker overlap).
 */
async function measureWorker(): Promise<void> {
  // The worker loads the TypeScript module through tsx's API (a worker does not inherit --import).
  const entry = new URL('./record-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const worker = new Worker(
    `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`,
    { eval: true },
  );
  const bytes = Buffer.from(page, 'utf8');
  // Replies come back in order: each resolves the oldest page still waiting.
  const waiting: ((rows: unknown) => void)[] = [];
  worker.on('message', (rows) => waiting.shift()?.(rows));
  const roundTrip = () =>
    new Promise<unknown>((resolve) => {
      waiting.push(resolve);
      const copy = new Uint8Array(bytes);
      worker.postMessage(copy, [copy.buffer]);
    });
  for (let i = 0; i < 10; i++) await roundTrip(); // warm-up: the worker compiles and optimizes its code
  for (const inFlight of [1, 2]) {
    const rounds = Number(args.rounds);
    const elu = performance.eventLoopUtilization();
    const started = performance.now();
    for (let round = 0; round < rounds; round += inFlight) {
      await Promise.all(Array.from({ length: inFlight }, roundTrip));
    }
    const wall = performance.now() - started;
    const busy = performance.eventLoopUtilization(elu);
    const records = n * rounds;
    console.log(
      `worker, ${inFlight} page(s) in flight: main thread busy ${((busy.active * 1_000) / records).toFixed(2)} us, wall ${((wall * 1_000) / records).toFixed(2)} us per record`,
    );
  }
  await worker.terminate();
}
