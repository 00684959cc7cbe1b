/**
 * Micro-benchmark (not a test): what one Clever user record costs on the sync's CPU path, step by
 * step, in microseconds per record: JSON.parse of a page, zod validation (parseUser), mapping to
 * a row (mapStudent / mapTeacher), and prepareRows (column values + content hash).
 *
 *   npm run bench:records                  # 1 school of 5,000 students + 300 teachers, 15 rounds
 *   npm run bench:records -- --rounds 30
 *
 * Each step runs over the whole set per round; the best and the median round are printed (the
 * best is the least disturbed by other work on a shared machine). Run it on two trees to compare.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/index.js';
import { parseUser } from '../src/clever/api/parse.js';
import { prepareRows } from '../src/db/base/roster-columns.js';
import { mapStudent, mapTeacher } from '../src/sync/execute/mapping.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    students: { type: 'string', default: '5000' },
    teachers: { type: 'string', default: '300' },
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
