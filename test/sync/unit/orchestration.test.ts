import { describe, expect, it } from 'vitest';
import type { StudentRow } from '../../../src/domain/index.js';
import { ConflictError, NotFoundError } from '../../../src/errors.js';
import { EVENTS_START } from '../../../src/sync/plan/events-cursor.js';
import { refreshAttachedRun } from '../../../src/sync/report/attached-run.js';
import type { SyncProgress, SyncRunCompletion } from '../../../src/sync/types.js';
import { hexId, makeStudent } from '../support/fakes.js';
import { advance, expectedRoster, fakeWorld } from '../support/harness.js';

describe('full sync of a district', () => {
  it('registers the district and schools, provisions databases and fills every roster', async () => {
    const w = fakeWorld({ schools: 3, students: 5 });
    const result = await w.service.syncAllDistricts({ trigger: 'test' });

    expect(result.status).toBe('Succeeded');
    expect(result.schoolsTotal).toBe(3);
    expect(result.schoolsCompleted).toBe(3);
    expect(w.session.districtRows).toHaveLength(1);
    expect(w.session.schoolRows.map((s) => s.cleverSchoolId).sort()).toEqual([...w.schoolIds].sort());
    expect(w.provider.provisioned.sort()).toEqual([...w.schoolIds].sort());
    for (const schoolId of w.schoolIds) {
      const roster = w.provider.roster(schoolId);
      expect(roster.active('students')).toEqual(expectedRoster(w, schoolId, 'student'));
      expect(roster.active('teachers')).toEqual(expectedRoster(w, schoolId, 'teacher'));
      const school = w.session.schoolByClever(schoolId);
      expect(school.lastSuccessfulSyncAt).toEqual(w.clock.now);
      // No events yet: the cursor says "read from the first event" next time.
      expect(school.eventsCursor).toBe(EVENTS_START);
    }
    expect(result.counts).toMatchObject({ processed: 21, created: 21, updated: 0, archived: 0, invalid: 0 });
  });

  it('writes exact SyncHistory: one completed row per school and entity, plus the lists', async () => {
    const w = fakeWorld({ schools: 2, students: 3 });
    const result = await w.service.syncAllDistricts({ trigger: 'test' });
    const rows = w.session.historyRows.filter((h) => h.runId === result.runId);
    expect(rows.every((h) => h.status === 'Succeeded' && h.completedAt !== null)).toBe(true);
    // Discovery, the district's own row, its school list, then each school's entities.
    expect(rows.map((h) => h.entity).sort()).toEqual([
      'districts',
      'districts',
      'schools',
      'students',
      'students',
      'teachers',
      'teachers',
    ]);
    for (const h of rows.filter((r) => r.entity === 'students')) {
      expect(h.counts).toEqual({
        processed: 3,
        created: 3,
        updated: 0,
        archived: 0,
        restored: 0,
        failed: 0,
        invalid: 0,
      });
      expect(h.syncType).toBe('Full');
      expect(h.trigger).toBe('test');
      expect(h.eventCursor).toBe(EVENTS_START);
    }
    expect(rows.find((h) => h.entity === 'schools')?.counts).toMatchObject({ processed: 2, created: 2 });
    const run = w.session.runRows.find((r) => r.runId === result.runId)!;
    expect(run).toMatchObject({
      status: 'Succeeded',
      schoolsTotal: 2,
      schoolsCompleted: 2,
      schoolsFailed: 0,
    });
    expect(run.counts.created).toBe(10);
    expect(JSON.parse(run.summaryJson!).districts[0].schools).toHaveLength(2);
  });

  it('takes the newest event id BEFORE pulling, so changes during the pull are applied next time', async () => {
    const w = fakeWorld({ schools: 1, students: 2 });
    const [s1] = w.schoolIds as [string];
    const before = w.clever.change(
      w.districtId,
      'created',
      makeStudent({ district: w.districtId, schools: [s1] }),
    );
    const during = makeStudent({ district: w.districtId, schools: [s1] });
    w.clever.onRosterPull = () => {
      w.clever.onRosterPull = null;
      // Lands in Clever after the cursor was taken but (in this fake) before the page is read.
      w.clever.change(w.districtId, 'created', during);
    };
    await w.service.syncAllDistricts();
    expect(w.session.schoolByClever(s1).eventsCursor).toBe(before);
    const next = await w.service.syncAllDistricts();
    expect(next.districts[0]!.mode.eventsApplied).toBe(1);
    expect(w.provider.roster(s1).active('students')).toEqual(expectedRoster(w, s1, 'student'));
    expect(w.session.schoolByClever(s1).eventsCursor).toBe(w.clever.state(w.districtId).events.at(-1)!.id);
  });

  it('is idempotent: a second full run changes nothing', async () => {
    const w = fakeWorld();
    await w.service.syncAllDistricts();
    const again = await w.service.syncAllDistricts({ full: true });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, archived: 0, restored: 0 });
    expect(again.districts[0]!.schools.every((s) => s.syncType === 'Full' && s.reason === 'requested')).toBe(
      true,
    );
  });

  it('archives users that disappeared and restores them when they reappear', async () => {
    const w = fakeWorld({ schools: 1, students: 10 });
    await w.service.syncAllDistricts();
    const state = w.clever.state(w.districtId);
    const gone = state.users.find((u) => u.roles.student)!;
    state.users = state.users.filter((u) => u !== gone);
    const first = await w.service.syncAllDistricts({ full: true });
    expect(first.counts.archived).toBe(1);
    const roster = w.provider.roster(w.schoolIds[0]!);
    expect(roster.get('students', gone.id)).toMatchObject({ isActive: false, deactivatedAt: w.clock.now });
    state.users.push(gone);
    const second = await w.service.syncAllDistricts({ full: true });
    expect(second.counts.restored).toBe(1);
    expect(roster.get('students', gone.id)?.isActive).toBe(true);
  });

  it('archives schools no longer shared and onboards new ones', async () => {
    const w = fakeWorld({ schools: 3 });
    await w.service.syncAllDistricts();
    const state = w.clever.state(w.districtId);
    const removed = state.schools.shift()!;
    const added = hexId();
    state.schools.push({ id: added, district: w.districtId, name: 'New School' });
    state.users.push(makeStudent({ district: w.districtId, schools: [added] }));
    const result = await w.service.syncAllDistricts();
    expect(w.session.schoolByClever(removed.id)).toMatchObject({ isActive: false });
    expect(w.session.schoolByClever(added)).toMatchObject({
      isActive: true,
      lastSuccessfulSyncAt: w.clock.now,
    });
    expect(w.provider.roster(added).active('students')).toHaveLength(1);
    const district = result.districts[0]!;
    expect(district.schoolChanges).toMatchObject({ created: 1, archived: 1 });
    expect(district.schools.find((s) => s.cleverSchoolId === added)?.reason).toBe('never-synced');
  });
});

describe('incremental sync through events', () => {
  it('applies creates, updates, deletes and moves, using requests proportional to the changes', async () => {
    // 2 of 6 students leave s1: below the archive guard's minimum here, as in a real school.
    const w = fakeWorld({ schools: 3, students: 6, tuning: { archiveGuardMinRows: 3 } });
    await w.service.syncAllDistricts();
    const [s1, s2] = w.schoolIds as [string, string];
    const state = w.clever.state(w.districtId);
    const students = state.users.filter((u) => u.roles.student?.schools.includes(s1));
    const created = makeStudent({ district: w.districtId, schools: [s2] });
    w.clever.change(w.districtId, 'created', created);
    w.clever.change(w.districtId, 'updated', {
      ...students[0]!,
      name: { first: 'Renamed', last: 'Student' },
    });
    w.clever.change(w.districtId, 'deleted', students[1]!);
    const mover = students[2]!;
    w.clever.change(
      w.districtId,
      'updated',
      { ...mover, roles: { student: { ...mover.roles.student!, school: s2, schools: [s2] } } },
      { roles: { student: { school: s1, schools: [s1] } } },
    );
    w.clever.requests = 0;
    w.clever.requestsByKind = {};

    const result = await w.service.syncAllDistricts();
    expect(result.status).toBe('Succeeded');
    expect(result.districts[0]!.mode).toEqual({ incrementalSchools: 3, fullSchools: 0, eventsApplied: 4 });
    for (const schoolId of w.schoolIds) {
      expect(w.provider.roster(schoolId).active('students')).toEqual(expectedRoster(w, schoolId, 'student'));
    }
    expect(
      (w.provider.roster(s1).get('students', students[0]!.id)?.row as StudentRow | undefined)?.firstName,
    ).toBe('Renamed');
    // district + school list (2 pages of 2) + events (2 pages of 2): no roster pulls at all.
    expect(Object.keys(w.clever.requestsByKind).some((k) => k.startsWith('roster:'))).toBe(false);
    expect(w.clever.requests).toBe(1 + 2 + 2);
    const lastEvent = state.events.at(-1)!.id;
    for (const schoolId of w.schoolIds)
      expect(w.session.schoolByClever(schoolId).eventsCursor).toBe(lastEvent);
    const s1Row = w.session.historyRows.find(
      (h) =>
        h.runId === result.runId && h.schoolId === w.session.schoolByClever(s1).id && h.entity === 'students',
    )!;
    expect(s1Row).toMatchObject({ syncType: 'Incremental', status: 'Succeeded', eventCursor: lastEvent });
    expect(s1Row.counts).toMatchObject({ processed: 3, updated: 1, archived: 2 });
  });

  it('changes nothing and reads one empty events page when nothing happened', async () => {
    const w = fakeWorld({ schools: 2 });
    await w.service.syncAllDistricts();
    w.clever.requestsByKind = {};
    const result = await w.service.syncAllDistricts();
    expect(result.counts).toMatchObject({ processed: 0, created: 0, updated: 0, archived: 0 });
    expect(w.clever.requestsByKind.events).toBe(1);
  });

  it('moves a school’s cursor only after its page is committed; a failing school keeps its cursor', async () => {
    const w = fakeWorld({ schools: 2, students: 2 });
    await w.service.syncAllDistricts();
    const [s1, s2] = w.schoolIds as [string, string];
    const startCursor = w.session.schoolByClever(s1).eventsCursor;
    w.clever.change(w.districtId, 'created', makeStudent({ district: w.districtId, schools: [s1] }));
    const e2 = w.clever.change(
      w.districtId,
      'created',
      makeStudent({ district: w.districtId, schools: [s2] }),
    );
    w.provider.roster(s1).failUpserts = new Error('disk full');

    const result = await w.service.syncAllDistricts();
    expect(result.status).toBe('PartiallySucceeded');
    expect(w.session.schoolByClever(s1).eventsCursor).toBe(startCursor);
    expect(w.session.schoolByClever(s1).consecutiveFailures).toBe(1);
    expect(w.session.schoolByClever(s2).eventsCursor).toBe(e2);

    // Fixed: the next run re-applies from the failed school's cursor, idempotently.
    w.provider.roster(s1).failUpserts = null;
    const retry = await w.service.syncAllDistricts();
    expect(retry.status).toBe('Succeeded');
    expect(w.provider.roster(s1).active('students')).toEqual(expectedRoster(w, s1, 'student'));
    expect(w.provider.roster(s2).active('students')).toEqual(expectedRoster(w, s2, 'student'));
    expect(w.session.schoolByClever(s1).eventsCursor).toBe(e2);
  });

  it('falls back to a full sync when Clever refuses the cursor (past retention)', async () => {
    const w = fakeWorld({ schools: 2 });
    const state = w.clever.state(w.districtId);
    w.clever.change(
      w.districtId,
      'created',
      makeStudent({ district: w.districtId, schools: [w.schoolIds[0]!] }),
    );
    await w.service.syncAllDistricts();
    const newest = w.clever.change(
      w.districtId,
      'created',
      makeStudent({ district: w.districtId, schools: [w.schoolIds[1]!] }),
    );
    state.retainedFrom = newest;
    const result = await w.service.syncAllDistricts();
    expect(result.status).toBe('Succeeded');
    expect(result.districts[0]!.schools.map((s) => s.reason)).toEqual([
      'events-cursor-rejected',
      'events-cursor-rejected',
    ]);
    expect(result.districts[0]!.warnings.join()).toMatch(/refused the events request/);
    for (const schoolId of w.schoolIds) {
      expect(w.provider.roster(schoolId).active('students')).toEqual(expectedRoster(w, schoolId, 'student'));
      expect(w.session.schoolByClever(schoolId).eventsCursor).toBe(newest);
    }
  });

  it('goes full when the last sync is older than the retention window, or when a full sync is required', async () => {
    const w = fakeWorld({ schools: 2 });
    await w.service.syncAllDistricts();
    await w.session.schools.setRequiresFullSync(w.session.schoolByClever(w.schoolIds[0]!).id, true);
    const next = await w.service.syncAllDistricts();
    expect(next.districts[0]!.schools.map((s) => s.reason ?? s.syncType).sort()).toEqual([
      'Incremental',
      'requires-full-sync',
    ]);
    expect(w.session.schoolByClever(w.schoolIds[0]!).requiresFullSync).toBe(false);
    advance(w, 31 * 86_400_000);
    const late = await w.service.syncAllDistricts();
    expect(late.districts[0]!.schools.every((s) => s.reason === 'cursor-expired')).toBe(true);
  });

  it('without Events access: full pulls and no cursor; unchanged rows are recognised by their content hash', async () => {
    const w = fakeWorld({ schools: 1, students: 6 });
    w.clever.state(w.districtId).eventsEnabled = false;
    const first = await w.service.syncAllDistricts();
    expect(first.districts[0]!.warnings.join()).toMatch(/events unavailable/);
    const school = w.session.schoolByClever(w.schoolIds[0]!);
    expect(school.eventsCursor).toBeNull();

    advance(w, 86_400_000);
    const state = w.clever.state(w.districtId);
    const student = state.users.find((u) => u.roles.student)!;
    const index = state.users.indexOf(student);
    state.users[index] = {
      ...student,
      name: { first: 'Changed', last: 'Name' },
      last_modified: new Date(w.clock.now).toISOString(),
    };
    const gone = state.users.find((u, i) => u.roles.student && i !== index)!;
    state.users = state.users.filter((u) => u !== gone);
    const roster = w.provider.roster(w.schoolIds[0]!);

    const second = await w.service.syncAllDistricts();
    const students = second.districts[0]!.schools[0]!.entities.find((e) => e.entity === 'students')!;
    expect(students.syncType).toBe('Full');
    expect(second.districts[0]!.schools[0]!.reason).toBe('no-events-cursor');
    expect(students.counts).toMatchObject({ processed: 5, updated: 1, archived: 1 });
    expect(students.unchanged).toBe(4);
    expect(roster.active('students')).toEqual(expectedRoster(w, w.schoolIds[0]!, 'student'));
  });
});

describe('isolation, concurrency and alerts', () => {
  it('keeps going when one school fails, ends PartiallySucceeded and records the failure', async () => {
    const w = fakeWorld({ schools: 4 });
    const bad = w.schoolIds[1]!;
    w.clever.failingSchools.add(bad);
    const result = await w.service.syncAllDistricts();
    expect(result.status).toBe('PartiallySucceeded');
    expect(result.districts[0]!.status).toBe('PartiallySucceeded');
    expect(result.schoolsFailed).toBe(1);
    expect(result.schoolsCompleted).toBe(3);
    const failed = result.districts[0]!.schools.find((s) => s.cleverSchoolId === bad)!;
    expect(failed.status).toBe('Failed');
    expect(failed.error).toMatch(/503/);
    expect(w.session.schoolByClever(bad).consecutiveFailures).toBe(1);
    const rows = w.session.historyRows.filter((h) => h.schoolId === w.session.schoolByClever(bad).id);
    // Students and teachers come from one listing: both rosters failed with it.
    expect(rows.map((h) => [h.entity, h.status])).toEqual([
      ['students', 'Failed'],
      ['teachers', 'Failed'],
    ]);
    for (const row of rows) expect(row.errorSummary).toMatch(/503/);
    for (const good of w.schoolIds.filter((s) => s !== bad)) {
      expect(w.provider.roster(good).active('students')).toEqual(expectedRoster(w, good, 'student'));
    }
    expect(w.session.runRows[0]).toMatchObject({ status: 'PartiallySucceeded', schoolsFailed: 1 });
  });

  it('alerts from the third consecutive failure on, and a success resets the streak', async () => {
    const w = fakeWorld({ schools: 2 });
    const bad = w.schoolIds[0]!;
    w.provider.unreachable.add(bad);
    for (let i = 0; i < 2; i++) await w.service.syncAllDistricts();
    expect(w.alerts).toHaveLength(0);
    await w.service.syncAllDistricts();
    await w.service.syncAllDistricts();
    expect(w.alerts.map((a) => [a.name, a.measurements.consecutiveFailures])).toEqual([
      ['CleverSyncSchoolFailing', 3],
      ['CleverSyncSchoolFailing', 4],
    ]);
    expect(w.alerts[0]!.properties.cleverSchoolId).toBe(bad);
    expect(w.lines.some((l) => l.includes('"level":"error"') && l.includes('CleverSyncSchoolFailing'))).toBe(
      true,
    );
    expect(w.lines.some((l) => l.includes('database connection failure'))).toBe(true);
    // Failed before any entity started: still one Failed row per entity and run.
    const badId = w.session.schoolByClever(bad).id;
    const rows = w.session.historyRows.filter((h) => h.schoolId === badId);
    expect(rows).toHaveLength(8);
    expect(
      rows.every((h) => h.status === 'Failed' && h.errorSummary?.startsWith('DATABASE_UNAVAILABLE')),
    ).toBe(true);
    w.provider.unreachable.delete(bad);
    await w.service.syncAllDistricts();
    expect(w.session.schoolByClever(bad).consecutiveFailures).toBe(0);
  });

  it('never works on more schools at once than SYNC_MAX_CONCURRENT_SCHOOLS', async () => {
    const w = fakeWorld({ schools: 7, students: 6 });
    w.rebuild({ config: { maxConcurrentSchools: 3 } });
    await w.service.syncAllDistricts();
    expect(w.clever.maxActive).toBeLessThanOrEqual(3);
    expect(w.clever.maxActive).toBeGreaterThan(1);
  });

  it('logs ids and counts but no student names or emails', async () => {
    const w = fakeWorld({ schools: 2 });
    const state = w.clever.state(w.districtId);
    state.users.push({
      ...makeStudent({ district: w.districtId, schools: [w.schoolIds[0]!], first: '', last: '' }),
    });
    w.clever.failingSchools.add(w.schoolIds[1]!);
    await w.service.syncAllDistricts();
    const all = w.lines.join('\n');
    expect(all).toMatch(/skipped Clever records that miss required fields/);
    expect(all).not.toMatch(/Zoë|Öztürk|Núñez|example\.org|1\/2\/2015/);
  });
});

describe('mass-archive guard', () => {
  it('holds the archive when a pull returns nothing, and force applies it', async () => {
    const w = fakeWorld({ schools: 2, students: 5 });
    await w.service.syncAllDistricts();
    const [s1] = w.schoolIds as [string];
    w.clever.emptySchools.add(s1);
    const held = await w.service.syncAllDistricts({ full: true });
    expect(held.status).toBe('Held');
    const school = held.districts[0]!.schools.find((s) => s.cleverSchoolId === s1)!;
    expect(school.status).toBe('Held');
    expect(school.warnings.join()).toMatch(/returned no records/);
    expect(w.provider.roster(s1).active('students')).toHaveLength(5);
    expect(w.session.schoolByClever(s1).requiresFullSync).toBe(true);
    expect(w.alerts.map((a) => a.name)).toContain('CleverSyncArchiveHeld');
    const heldRow = w.session.historyRows.find((h) => h.runId === held.runId && h.status === 'Held')!;
    expect(JSON.parse(heldRow.warningsJson!)[0]).toMatch(/held/);
    expect(w.session.runRows.find((r) => r.runId === held.runId)?.status).toBe('Held');

    const forced = await w.service.syncSchool(w.session.schoolByClever(s1).id, { force: true });
    expect(forced.status).toBe('Succeeded');
    expect(w.provider.roster(s1).active('students')).toHaveLength(0);
    expect(w.session.schoolByClever(s1).requiresFullSync).toBe(false);
  });

  it('holds when more than the configured share would be archived', async () => {
    const w = fakeWorld({ schools: 1, students: 10 });
    await w.service.syncAllDistricts();
    const state = w.clever.state(w.districtId);
    const students = state.users.filter((u) => u.roles.student);
    state.users = state.users.filter((u) => !students.slice(0, 4).includes(u));
    const result = await w.service.syncAllDistricts({ full: true });
    expect(result.status).toBe('Held');
    expect(result.warnings.join()).toMatch(/would archive 4 of 10 active rows/);
    expect(w.provider.roster(w.schoolIds[0]!).active('students')).toHaveLength(10);
  });
});

describe('dry run', () => {
  it('plans creates, updates, archives and restores with sample ids, writing nothing', async () => {
    const w = fakeWorld({ schools: 2, students: 4 });
    await w.service.syncAllDistricts();
    const [s1] = w.schoolIds as [string];
    const state = w.clever.state(w.districtId);
    const s1Students = state.users.filter((u) => u.roles.student?.schools.includes(s1));
    const added = makeStudent({ district: w.districtId, schools: [s1] });
    state.users.push(added);
    state.users[state.users.indexOf(s1Students[0]!)] = {
      ...s1Students[0]!,
      name: { first: 'New', last: 'Name' },
    };
    state.users = state.users.filter((u) => u !== s1Students[1]);
    const historyBefore = w.session.historyRows.length;
    const written = w.provider.roster(s1).rowsWritten;

    const result = await w.service.syncAllDistricts({ dryRun: true });
    expect(result.dryRun).toBe(true);
    const plan = result.districts[0]!.schools.find((s) => s.cleverSchoolId === s1)!.plan!;
    expect(plan.students).toMatchObject({
      creates: 1,
      updates: 1,
      archives: 1,
      restores: 0,
      unchanged: 2,
      wouldHold: false,
    });
    expect(plan.students.samples).toEqual({
      creates: [added.id],
      updates: [s1Students[0]!.id],
      restores: [],
      archives: [s1Students[1]!.id],
    });
    expect(w.provider.roster(s1).rowsWritten).toBe(written);
    expect(w.provider.roster(s1).active('students')).toHaveLength(4);
    expect(w.session.historyRows.length).toBe(historyBefore);
    const run = w.session.runRows.find((r) => r.runId === result.runId)!;
    expect(run).toMatchObject({ dryRun: true, status: 'Succeeded' });
    expect(JSON.parse(run.summaryJson!).districts[0].schools[0].plan.students.creates).toBeGreaterThanOrEqual(
      0,
    );
  });

  it('plans a district never synced as all creates without creating databases', async () => {
    const w = fakeWorld({ schools: 2, students: 3 });
    const result = await w.service.syncAllDistricts({ dryRun: true });
    expect(w.session.schoolRows).toHaveLength(0);
    expect(w.provider.provisioned).toHaveLength(0);
    expect(result.districts[0]!.schools.map((s) => [s.plan?.newSchool, s.plan?.students.creates])).toEqual([
      [true, 3],
      [true, 3],
    ]);
  });
});

describe('leases and targets', () => {
  it('tells a second request that the target is already running, with the run id', async () => {
    const w = fakeWorld({ schools: 2 });
    const first = await w.service.start({ scope: 'all' });
    await expect(w.service.start({ scope: 'all' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { runId: first.runId },
    });
    await first.done;
    const school = w.session.schoolRows[0]!;
    const running = await w.service.start({ scope: 'school', schoolId: school.id });
    const second = w.service.start({ scope: 'school', schoolId: school.cleverSchoolId });
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await running.done;
  });

  it('skips a school another process holds and reports it', async () => {
    const w = fakeWorld({ schools: 2 });
    await w.service.syncAllDistricts();
    const school = w.session.schoolRows[0]!;
    await w.session.leases.tryAcquire(`sync:school:${school.id}`, 'other-run#1234', 600);
    const result = await w.service.syncAllDistricts();
    const skipped = result.districts[0]!.schools.find((s) => s.schoolId === school.id)!;
    expect(skipped).toMatchObject({ status: 'Skipped', runningRunId: 'other-run' });
    expect(result.status).toBe('PartiallySucceeded');
    expect(result.schoolsSkipped).toBe(1);
  });

  it('resolves internal and Clever ids and rejects unknown ones with NotFoundError', async () => {
    const w = fakeWorld({ schools: 1 });
    await expect(w.service.syncSchool(99)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.service.syncDistrict('ffffffffffffffffffffffff')).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.service.syncDistrict('bad id!')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const byClever = await w.service.syncDistrict(w.districtId);
    expect(byClever.status).toBe('Succeeded');
    const internal = w.session.districtRows[0]!.id;
    expect((await w.service.syncDistrict(String(internal))).scopeId).toBe(internal);
  });

  it('marks disconnected districts inactive and reports configured districts without a token', async () => {
    const w = fakeWorld({ schools: 1 });
    await w.service.syncAllDistricts();
    w.tokens.districtIds = [];
    const result = await w.service.syncAllDistricts();
    expect(w.session.districtRows[0]!.isActive).toBe(false);
    expect(result.districts).toEqual([
      expect.objectContaining({ cleverDistrictId: w.districtId, disconnected: true, status: 'Skipped' }),
    ]);
    expect(result.status).toBe('Failed');
    w.rebuild({ districtIds: [w.districtId] });
    const configured = await w.service.syncAllDistricts();
    expect(configured.districts[0]).toMatchObject({
      status: 'Skipped',
      error: expect.stringMatching(/not authorized/),
    });
    expect(configured.status).toBe('Failed');
  });
});

describe('crash recovery and progress', () => {
  it('marks Running rows of a dead process Abandoned and leaves live ones alone', async () => {
    const w = fakeWorld({ schools: 2 });
    await w.service.syncAllDistricts();
    const [a, b] = w.session.schoolRows as unknown as [{ id: number }, { id: number }];
    const counts = { processed: 3, created: 3, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };
    for (const runId of ['dead-run', 'live-run']) {
      await w.session.runs.create({
        runId,
        scope: 'all',
        scopeId: null,
        trigger: 'timer',
        full: false,
        dryRun: false,
        status: 'Running',
        startedAt: w.clock.now,
        schoolsTotal: 2,
        schoolsCompleted: 0,
        schoolsFailed: 0,
        counts,
      });
    }
    const dead = await w.session.history.start({
      runId: 'dead-run',
      districtId: 1,
      schoolId: a.id,
      entity: 'students',
      syncType: 'Full',
      trigger: 'timer',
      startedAt: w.clock.now,
      lastSyncTimestamp: null,
      eventCursor: null,
      counts,
    });
    const live = await w.session.history.start({
      runId: 'live-run',
      districtId: 1,
      schoolId: b.id,
      entity: 'students',
      syncType: 'Full',
      trigger: 'timer',
      startedAt: w.clock.now,
      lastSyncTimestamp: null,
      eventCursor: null,
    });
    await w.session.leases.tryAcquire(`sync:school:${b.id}`, 'live-run#abcd', 600);

    const recovered = await w.service.recoverAbandoned();
    expect(recovered).toEqual({ runs: 1, history: 1 });
    expect(w.session.historyRows.find((h) => h.id === dead.id)).toMatchObject({
      status: 'Abandoned',
      counts,
      completedAt: w.clock.now,
    });
    expect(w.session.historyRows.find((h) => h.id === live.id)?.status).toBe('Running');
    expect(w.session.runRows.find((r) => r.runId === 'dead-run')?.status).toBe('Abandoned');
    expect(w.session.runRows.find((r) => r.runId === 'live-run')?.status).toBe('Running');
    // The probe leaves no lease behind.
    expect(w.session.leaseRows.has(`sync:school:${a.id}`)).toBe(false);
  });

  it('reports progress per school and persists it on the run row', async () => {
    const w = fakeWorld({ schools: 3 });
    const updates: SyncProgress[] = [];
    const result = await w.service.syncAllDistricts({ onProgress: (p) => updates.push(p) });
    const last = updates.at(-1)!;
    expect(last).toMatchObject({
      phase: 'finished',
      runId: result.runId,
      schoolsTotal: 3,
      schoolsCompleted: 3,
      districtsDone: 1,
    });
    expect(updates.filter((u) => u.lastSchool).map((u) => u.lastSchool!.status)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    expect(updates.some((u) => u.recordsProcessed > 0 && u.phase === 'schools')).toBe(true);
  });
});

describe('beginning-of-year mode', () => {
  it('hard-deletes rows that stay inactive, only when asked', async () => {
    const w = fakeWorld({ schools: 1, students: 10 });
    await w.service.syncAllDistricts();
    const state = w.clever.state(w.districtId);
    const gone = state.users.find((u) => u.roles.student)!;
    state.users = state.users.filter((u) => u !== gone);
    await w.service.syncAllDistricts({ full: true });
    const roster = w.provider.roster(w.schoolIds[0]!);
    expect(roster.get('students', gone.id)?.isActive).toBe(false);
    advance(w, 1000);
    const result = await w.service.syncAllDistricts({ beginningOfYear: true });
    expect(roster.get('students', gone.id)).toBeUndefined();
    expect(result.full).toBe(true);
    expect(result.districts[0]!.schools[0]!.entities.find((e) => e.entity === 'students')?.purged).toBe(1);
  });
});

describe('run completion reporting', () => {
  it('reports each finished run once, with ids and counts only (the CleverSyncRunCompleted event)', async () => {
    const w = fakeWorld({ schools: 2, students: 3 });
    const completed: SyncRunCompletion[] = [];
    w.rebuild({ onRunCompleted: (run) => void completed.push(run) });
    const result = await w.service.syncAllDistricts({ trigger: 'timer' });
    expect(completed).toEqual([
      {
        runId: result.runId,
        trigger: 'timer',
        status: 'Succeeded',
        dryRun: false,
        durationMs: result.durationMs,
        schoolsTotal: 2,
        schoolsFailed: 0,
        counts: result.counts,
        districts: [{ cleverDistrictId: w.districtId, status: 'Succeeded', counts: result.counts }],
      },
    ]);
    expect(completed[0]!.counts.created).toBe(10);
  });

  it('judges a queue-shared run by the newest history row of each school, so a retried school counts once', async () => {
    const w = fakeWorld({ schools: 1 });
    const now = () => w.clock.now;
    const district = await w.session.districts.upsert({ cleverDistrictId: w.districtId, name: 'D' });
    await w.session.runs.create({
      runId: 'r-1',
      scope: 'all',
      scopeId: null,
      trigger: 'queue',
      full: false,
      dryRun: false,
      status: 'Running',
      startedAt: now(),
      schoolsTotal: 1,
      schoolsCompleted: 0,
      schoolsFailed: 0,
      counts: { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
    });
    const zero = { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };
    const row = (status: 'Failed' | 'Succeeded', created: number) =>
      w.session.history
        .start({
          runId: 'r-1',
          districtId: district.id,
          schoolId: 7,
          entity: 'students',
          syncType: 'Full',
          trigger: 'queue',
          startedAt: now(),
          lastSyncTimestamp: null,
          eventCursor: null,
        })
        .then((r) =>
          w.session.history.complete(r.id, { status, counts: { ...zero, created }, completedAt: now() }),
        );
    await row('Failed', 4);
    await row('Succeeded', 6);
    const completion = await refreshAttachedRun(w.session, 'r-1', now);
    expect(completion).toMatchObject({ runId: 'r-1', status: 'Succeeded', schoolsFailed: 0 });
    expect(completion!.districts.map((d) => d.status)).toEqual(['Succeeded']);
    expect(completion!.counts.created).toBe(10);
    expect(await w.session.runs.get('r-1')).toMatchObject({ status: 'Succeeded', schoolsCompleted: 1 });
    // Completing it again reports nothing: only the process that completes a run reports it.
    expect(await refreshAttachedRun(w.session, 'r-1', now)).toBeUndefined();
  });
});
