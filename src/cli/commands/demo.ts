import { rmSync } from 'node:fs';
import type { EmulatorHandle, EmulatorOptions } from '../../../emulator/index.js';
import {
  type CliEnvironment,
  cleverIsConfigured,
  DEMO_DATA_DIR,
  effectiveSettings,
  type OpenCliOptions,
  openCliServices,
} from '../context.js';
import { type CliIo, EXIT, type ExitCode, printJson } from '../output.js';
import { formatSyncReport } from '../sync-summary.js';
import { describeTargets, formatTargets } from '../targets.js';
import { schoolMatches, type Verification, verifyAgainstEmulator } from '../verify.js';
import { executeSync, runSync } from './sync.js';

export interface DemoOptions extends CliEnvironment {
  json?: boolean | undefined;
  /** Emulator sizes (tests use a smaller district). */
  emulatorOptions?: EmulatorOptions;
  logDestination?: OpenCliOptions['logDestination'];
}

export interface DemoChanges {
  updated: string[];
  deleted: string[];
  moved: { userId: string; from: string; to: string }[];
  created: { userId: string; role: string; schoolId: string }[];
  /** Class changes: a student enrolled and one dropped, a section deleted (none without classes). */
  classes: { enrolled: number; dropped: number; sectionsDeleted: number };
}

/**
 * `npm run demo` (`clever-sync demo`): the quickstart. Without Clever credentials it runs the main
 * job (sync every district) against the built-in emulator into SQLite under ./data/demo, changes
 * some records in the emulator, runs the incremental sync that picks the changes up, and checks
 * the databases hold exactly what the emulator serves. With credentials it runs the main job
 * against Clever (the same as `clever-sync sync`).
 */
export async function runDemo(options: DemoOptions, io: CliIo): Promise<ExitCode> {
  const say = (line = '') => {
    if (!options.json) io.stdout.write(`${line}\n`);
  };
  if (cleverIsConfigured(options)) {
    say('Clever credentials are configured: running the main job (sync every district) against Clever.');
    const services = await openCliServices({ ...options, emulator: 'never' });
    try {
      return (await runSync(services, { json: options.json }, io)).exitCode;
    } finally {
      await services.close();
    }
  }

  const settings = effectiveSettings(options);
  const ownDatabases = !settings.SESSION_DATABASE_URL && !settings.SCHOOL_DATABASE_URL_TEMPLATE;
  // A fresh start each time: the emulator's events restart with it, so old cursors mean nothing.
  if (ownDatabases) rmSync(DEMO_DATA_DIR, { recursive: true, force: true });

  const started = Date.now();
  const services = await openCliServices({
    ...options,
    emulator: 'always',
    emulatorOptions: options.emulatorOptions ?? {},
  });
  const emulator = services.emulator as EmulatorHandle;
  try {
    const districts = emulator.districts;
    say('clever-sync demo: no Clever credentials configured, so it syncs the built-in Clever emulator');
    say(
      `  Clever:           the built-in emulator at ${emulator.baseUrl} (${districts.length} district, ${countSchools(emulator)} schools)`,
    );
    const using = describeTargets(services.app.config, emulator);
    say(indent(formatTargets(using, ['sessionDatabase', 'schoolDatabases']), '  '));
    say();
    say('1. Full sync of every district');
    const full = await executeSync(services, {}, io);
    say(indent(formatSyncReport(full.report)));

    say();
    say('2. Changing records in the emulator');
    const changes = changeSomeRecords(emulator);
    say(
      `   ${changes.updated.length} students updated, ${changes.deleted.length} deleted, ${changes.moved.length} moved to another school, ` +
        `${changes.created.length} users created (${changes.created.map((c) => c.role).join(', ')})`,
    );
    const classes = changes.classes;
    if (classes.enrolled + classes.dropped + classes.sectionsDeleted > 0)
      say(
        `   ${classes.enrolled} student enrolled in a section, ${classes.dropped} dropped from it, ${classes.sectionsDeleted} section deleted`,
      );

    say();
    say('3. Incremental sync (Clever events since the full sync)');
    const incremental = await executeSync(services, {}, io);
    say(indent(formatSyncReport(incremental.report)));

    say();
    const verification = await verifyAgainstEmulator(services.sync, emulator);
    say(verificationLine(verification));
    const seconds = ((Date.now() - started) / 1_000).toFixed(1);
    say();
    say(`Done in ${seconds} s. Look around:`);
    say('  npm run cli -- runs            recent runs from SessionDb');
    say(
      '  npm run serve                  the Functions app on localhost (POST /api/sync, GET /api/sync/runs/{id})',
    );
    say('  npm test                       every test');
    say('With CLEVER_CLIENT_ID and CLEVER_CLIENT_SECRET set, `npm run sync` reads real Clever.');

    if (options.json) {
      printJson(io, {
        full: full.report,
        changes,
        incremental: incremental.report,
        verification,
        durationSeconds: Number(seconds),
      });
    }
    const codes = [full.exitCode, incremental.exitCode, verification.matches ? EXIT.ok : EXIT.failure];
    return codes.includes(EXIT.failure)
      ? EXIT.failure
      : codes.includes(EXIT.partial)
        ? EXIT.partial
        : EXIT.ok;
  } finally {
    await services.close();
  }
}

/** Deterministic changes of every kind the incremental sync handles: updates, deletes, a move, creates. */
export function changeSomeRecords(emulator: EmulatorHandle): DemoChanges {
  const districtId = emulator.districts[0]?.id;
  if (!districtId) throw new Error('the emulator has no district');
  const schools = [...emulator.truth.schools(districtId)].map((s) => s.id);
  const first = schools[0];
  if (!first) throw new Error('the emulator district has no school');
  const second = schools[1] ?? first;
  const third = schools[2] ?? first;
  const students = take(emulator.truth.studentsOfSchool(first), 6).map((u) => u.id);
  const [a, b, c, d, e, f] = students;
  const changes: DemoChanges = {
    updated: [],
    deleted: [],
    moved: [],
    created: [],
    classes: { enrolled: 0, dropped: 0, sectionsDeleted: 0 },
  };
  changeSomeClasses(emulator, districtId, third, changes.classes);
  for (const id of [a, b, c]) {
    if (!id) continue;
    emulator.admin.updateUser(id, { name: { last: 'Nguyễn-Østergaard' } });
    changes.updated.push(id);
  }
  for (const id of [d, e]) {
    if (!id) continue;
    emulator.admin.deleteUser(id);
    changes.deleted.push(id);
  }
  if (f && second !== first) {
    emulator.admin.moveUser(f, second, { fromSchoolId: first, role: 'student' });
    changes.moved.push({ userId: f, from: first, to: second });
  }
  for (const [role, schoolId] of [
    ['student', first],
    ['student', first],
    ['teacher', third],
  ] as const) {
    const user = emulator.admin.createUser(districtId, { role, schoolId });
    changes.created.push({ userId: user.id, role, schoolId });
  }
  return changes;
}

/** Enrols a student, drops one, deletes a section: the incremental sync applies their events. */
function changeSomeClasses(
  emulator: EmulatorHandle,
  districtId: string,
  schoolId: string,
  classes: DemoChanges['classes'],
): void {
  const [kept, deleted] = take(emulator.truth.sections(districtId, schoolId), 2);
  if (!kept) return;
  const newcomer = take(emulator.truth.studentsOfSchool(schoolId), 200).find(
    (student) => !kept.students.includes(student.id),
  );
  if (newcomer) {
    emulator.admin.enrolStudent(kept.id, newcomer.id);
    classes.enrolled += 1;
  }
  const leaver = kept.students[0];
  if (leaver && leaver !== newcomer?.id) {
    emulator.admin.dropStudent(kept.id, leaver);
    classes.dropped += 1;
  }
  if (deleted) {
    emulator.admin.deleteSection(deleted.id);
    classes.sectionsDeleted += 1;
  }
}

function take<T>(items: Iterable<T>, count: number): T[] {
  const result: T[] = [];
  for (const item of items) {
    if (result.length >= count) break;
    result.push(item);
  }
  return result;
}

function countSchools(emulator: EmulatorHandle): number {
  return emulator.districts.reduce((sum, d) => sum + [...emulator.truth.schools(d.id)].length, 0);
}

function verificationLine(v: Verification): string {
  const total = (pick: (s: Verification['schools'][number]) => number) =>
    v.schools.reduce((sum, s) => sum + pick(s), 0);
  const students = total((s) => s.students.actual);
  const teachers = total((s) => s.teachers.actual);
  const sections = total((s) => s.sections?.actual ?? 0);
  const enrollments = total((s) => s.enrollments?.actual ?? 0);
  if (v.matches) {
    return `4. Checked: the databases hold exactly what the emulator serves (${v.schools.length} schools, ${students} active students, ${teachers} active teachers, ${sections} sections with ${enrollments} enrollments, and their courses and terms).`;
  }
  const off = v.schools.filter((s) => !schoolMatches(s));
  return `4. MISMATCH between the databases and the emulator in ${off.length} schools (missing schools: ${v.missingSchools.length}, extra: ${v.extraSchools.length}).`;
}

function indent(text: string, by = '   '): string {
  return text
    .split('\n')
    .map((line) => (line ? `${by}${line}` : line))
    .join('\n');
}
