/**
 * The Clever emulator as a child process of the benchmark, driven over IPC by bench/run.ts: the
 * emulator's CPU and memory stay out of the measured processes, which reach it over real HTTP
 * like they would reach Clever.
 */
import { type EmulatorHandle, startEmulator } from '../emulator/index.js';
import type { SchoolRole, UserRecord } from '../emulator/types.js';
import { serveCalls } from './lib/ipc.js';
import type { ChangedUser, ChangeSet, EmulatorInfo, EmulatorShape } from './lib/types.js';

let emulator: EmulatorHandle | undefined;
let districtId = '';
/** Roster sizes per shape: the same seed gives the same district, so they are counted once. */
const sizes = new Map<string, Pick<EmulatorInfo, 'schools' | 'users' | 'classes'>>();

function running(): EmulatorHandle {
  if (!emulator) throw new Error('emulator not started');
  return emulator;
}

/** A small seeded PRNG (mulberry32): the same change set for the same seed, every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function schoolsOf(record: UserRecord | undefined, role: SchoolRole): string[] {
  return record?.roles[role]?.schools ?? [];
}

function count(e: EmulatorHandle): Pick<EmulatorInfo, 'schools' | 'users' | 'classes'> {
  const schools: EmulatorInfo['schools'] = [];
  const classes = { sections: 0, enrollments: 0 };
  const tally = (items: Iterable<unknown>) => {
    let n = 0;
    for (const _ of items) n++;
    return n;
  };
  for (const school of e.truth.schools(districtId)) {
    let sections = 0;
    for (const section of e.truth.sections(districtId, school.id)) {
      sections++;
      classes.enrollments += section.students.length + section.teachers.length;
    }
    classes.sections += sections;
    schools.push({
      id: school.id,
      students: tally(e.truth.studentsOfSchool(school.id)),
      teachers: tally(e.truth.teachersOfSchool(school.id)),
      sections,
      courses: tally(e.truth.coursesOfSchool(school.id)),
      terms: tally(e.truth.termsOfSchool(school.id)),
    });
  }
  const users = tally(e.truth.users(districtId, 'student')) + tally(e.truth.users(districtId, 'teacher'));
  return { schools, users, classes };
}

async function start(shape: EmulatorShape): Promise<EmulatorInfo> {
  await emulator?.stop();
  emulator = await startEmulator({
    seed: shape.seed,
    districts: 1,
    schoolsPerDistrict: shape.schools,
    studentsPerSchool: shape.studentsPerSchool,
    teachersPerSchool: shape.teachersPerSchool,
    staffPerSchool: 0,
    multiSchoolShare: shape.multiSchoolShare,
    // Classes only where a scenario asks for them: the user scenarios compare like with like.
    sections: shape.sections ?? false,
    // Clever's real budget: 1,200 requests per token per minute.
    rateLimitPerMinute: 1_200,
  });
  districtId = emulator.districts[0]!.id;
  const key = JSON.stringify(shape);
  let size = sizes.get(key);
  if (!size) {
    size = count(emulator);
    sizes.set(key, size);
  }
  const { schools, users, classes } = size;
  return {
    baseUrl: emulator.baseUrl,
    tokensUrl: emulator.tokensUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    districtId,
    schools,
    users,
    classes,
  };
}

/**
 * Changes `share` of the district's users through the admin API, as a day of SIS edits would:
 * half updates (a new last name and email), a fifth creates, the rest split between deletes and
 * school moves. Each change emits the events the incremental sync reads.
 */
/** Changes `count` users, or else `share` of them: updates, creates, deletes and school moves. */
function applyChanges(params: { share: number; seed: number; count?: number }): ChangeSet {
  const e = running();
  const rand = random(params.seed);
  const users: { id: string; role: SchoolRole }[] = [];
  for (const u of e.truth.users(districtId, 'student')) users.push({ id: u.id, role: 'student' });
  for (const u of e.truth.users(districtId, 'teacher')) users.push({ id: u.id, role: 'teacher' });
  const schoolIds = [...e.truth.schools(districtId)].map((s) => s.id);
  const total = params.count ?? Math.max(1, Math.round(users.length * params.share));
  const plan = {
    creates: Math.round(total * 0.2),
    deletes: Math.round(total * 0.15),
    moves: schoolIds.length > 1 ? Math.round(total * 0.15) : 0,
  };
  const updates = total - plan.creates - plan.deletes - plan.moves;
  // Distinct existing users for updates, deletes and moves (a partial Fisher-Yates shuffle).
  const picks = updates + plan.deletes + plan.moves;
  for (let i = 0; i < picks; i++) {
    const j = i + Math.floor(rand() * (users.length - i));
    [users[i], users[j]] = [users[j]!, users[i]!];
  }
  const changes: ChangedUser[] = [];
  let at = 0;
  for (let i = 0; i < updates; i++, at++) {
    const { id, role } = users[at]!;
    const record = e.admin.updateUser(id, {
      name: { last: `Geändert-${i}` },
      email: `changed.${i}@example.org`,
    });
    changes.push({ kind: 'update', role, record, schoolIds: schoolsOf(record, role), leftSchoolIds: [] });
  }
  for (let i = 0; i < plan.deletes; i++, at++) {
    const { id, role } = users[at]!;
    const before = e.truth.user(id);
    e.admin.deleteUser(id);
    changes.push({
      kind: 'delete',
      role,
      cleverId: id,
      schoolIds: [],
      leftSchoolIds: schoolsOf(before, role),
    });
  }
  for (let i = 0; i < plan.moves; i++, at++) {
    const { id, role } = users[at]!;
    const before = e.truth.user(id);
    const primary = (before?.roles[role] as { school?: string } | undefined)?.school;
    const from = primary ?? schoolsOf(before, role)[0];
    const candidates = schoolIds.filter((s) => !schoolsOf(before, role).includes(s));
    const to = candidates[Math.floor(rand() * candidates.length)];
    if (!from || !to) continue;
    const record = e.admin.moveUser(id, to, { fromSchoolId: from, role });
    const after = schoolsOf(record, role);
    changes.push({
      kind: 'move',
      role,
      record,
      schoolIds: after,
      leftSchoolIds: schoolsOf(before, role).filter((s) => !after.includes(s)),
    });
  }
  for (let i = 0; i < plan.creates; i++) {
    const role: SchoolRole = rand() < 0.06 ? 'teacher' : 'student';
    const schoolId = schoolIds[Math.floor(rand() * schoolIds.length)]!;
    const record = e.admin.createUser(districtId, { role, schoolId });
    changes.push({ kind: 'create', role, record, schoolIds: schoolsOf(record, role), leftSchoolIds: [] });
  }
  const count = (kind: ChangedUser['kind']) => changes.filter((c) => c.kind === kind).length;
  return {
    counts: {
      updates: count('update'),
      creates: count('create'),
      deletes: count('delete'),
      moves: count('move'),
    },
    changes,
  };
}

serveCalls({
  start,
  setLatency: ({ latencyMs }: { latencyMs: number }) => {
    const e = running();
    if (latencyMs > 0) e.faults.set([{ kind: 'latency', latencyMs }]);
    else e.faults.clear();
    return null;
  },
  /** A fresh token (and so a fresh rate-limit bucket) for the next measured run. */
  rotateToken: () => {
    running().admin.rotateToken(districtId);
    return null;
  },
  resetStats: () => {
    running().resetStats();
    return null;
  },
  stats: () => running().stats(),
  latestEventId: () => running().truth.latestEventId(districtId) ?? null,
  applyChanges,
  stop: async () => {
    await emulator?.stop();
    emulator = undefined;
    return null;
  },
});
