import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, type EventRecord, startEmulator } from '../../emulator/index.js';
import { collectIds, districtToken, get, idsOf, relLink } from './helpers.js';

const DAY = 24 * 3600 * 1000;
let now = Date.UTC(2025, 2, 1);
let emu: EmulatorHandle;
let districtId: string;
let schools: string[];

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'events',
    schoolsPerDistrict: 3,
    studentsPerSchool: 12,
    teachersPerSchool: 2,
    staffPerSchool: 1,
    multiSchoolShare: 0.25,
    eventRetentionMs: 30 * DAY,
    rateLimitPerMinute: 100_000,
    now: () => now,
    // These tests count user and school events exactly; generated sections would add theirs
    // (test/emulator/classes.test.ts covers those cascades).
    sections: false,
  });
  districtId = emu.districts[0]!.id;
  schools = [...emu.truth.schools(districtId)].map((s) => s.id);
});

afterAll(() => emu.stop());

async function eventsAfter(cursor: string | undefined, query = ''): Promise<EventRecord[]> {
  const path = `/v3.0/events?limit=1000${query}${cursor ? `&starting_after=${cursor}` : ''}`;
  const response = await get(emu, path, districtToken(emu));
  expect(response.status).toBe(200);
  return response.body.data.map((item: { data: EventRecord; uri: string }) => {
    expect(item.uri).toBe(`/v3.0/events/${item.data.id}`);
    return item.data;
  });
}

describe('admin changes and their events', () => {
  it('creates a user: users.created whose object is what /users/{id} serves', async () => {
    const cursor = emu.truth.latestEventId(districtId);
    const user = emu.admin.createUser(districtId, {
      role: 'student',
      schoolId: schools[0]!,
      otherSchoolIds: [schools[1]!],
      name: { first: 'Zoë', last: 'Ñúñez' },
      roleFields: { grade: '3' },
    });
    const served = await get(emu, `/v3.0/users/${user.id}`, districtToken(emu));
    expect(served.body.data).toEqual(user);
    expect(user.roles.student).toMatchObject({
      school: schools[0],
      schools: [schools[0], schools[1]],
      grade: '3',
    });
    const events = await eventsAfter(cursor);
    expect(events.map((e) => e.type)).toEqual(['users.created']);
    expect(events[0]!.data.object).toEqual(user);
    expect(events[0]!.created).toBe(new Date(now).toISOString());
    // New ids sort after every existing one, like ObjectIds minted later.
    const all = await collectIds(
      emu,
      `/v3.0/schools/${schools[1]}/users?role=student&limit=100`,
      districtToken(emu),
    );
    expect(all.ids.at(-1)).toBe(user.id);
  });

  it('updates a user: users.updated with data.previous_attributes holding only the old values', async () => {
    const user = [...emu.truth.studentsOfSchool(schools[2]!)][3]!;
    const cursor = emu.truth.latestEventId(districtId);
    now += 60_000;
    const updated = emu.admin.updateUser(user.id, {
      name: { last: 'Łukasiewicz' },
      roles: { student: { grade: '13' } },
    });
    const [event, ...rest] = await eventsAfter(cursor);
    expect(rest).toEqual([]);
    expect(event!.type).toBe('users.updated');
    expect(event!.data.object).toEqual(updated);
    expect(event!.previous_attributes).toBeUndefined();
    expect(event!.data.previous_attributes).toEqual({
      name: { last: user.name.last },
      last_modified: user.last_modified,
      roles: { student: { grade: user.roles.student!.grade ?? null } },
    });
    expect((await get(emu, `/v3.0/users/${user.id}`, districtToken(emu))).body.data.name.last).toBe(
      'Łukasiewicz',
    );
  });

  it('moves a user between schools: lists change and users.updated records the old school', async () => {
    const user = [...emu.truth.usersOfSchool(schools[0]!, { role: 'student', primary: true })].find(
      (u) => u.roles.student!.schools.length === 1,
    )!;
    const cursor = emu.truth.latestEventId(districtId);
    const moved = emu.admin.moveUser(user.id, schools[2]!);
    expect(moved.roles.student).toMatchObject({ school: schools[2], schools: [schools[2]] });
    expect(moved.roles.student!.enrollments.map((e) => e.school)).toEqual([schools[2]]);
    const token = districtToken(emu);
    const oldList = await collectIds(emu, `/v3.0/schools/${schools[0]}/users?role=student&limit=500`, token);
    const newList = await collectIds(emu, `/v3.0/schools/${schools[2]}/users?role=student&limit=500`, token);
    expect(oldList.ids).not.toContain(user.id);
    expect(newList.ids).toContain(user.id);
    const [event] = await eventsAfter(cursor);
    expect(event!.type).toBe('users.updated');
    expect(event!.data.previous_attributes).toMatchObject({
      roles: { student: { school: schools[0], schools: [schools[0]] } },
    });
  });

  it('deletes (unshares) and restores a user with the same id', async () => {
    const user = [...emu.truth.teachersOfSchool(schools[1]!)][0]!;
    const cursor = emu.truth.latestEventId(districtId);
    emu.admin.deleteUser(user.id);
    const token = districtToken(emu);
    expect((await get(emu, `/v3.0/users/${user.id}`, token)).status).toBe(404);
    const teachers = await collectIds(emu, `/v3.0/schools/${schools[1]}/users?role=teacher`, token);
    expect(teachers.ids).not.toContain(user.id);
    emu.admin.restoreUser(user.id);
    expect((await get(emu, `/v3.0/users/${user.id}`, token)).status).toBe(200);
    const events = await eventsAfter(cursor);
    expect(events.map((e) => e.type)).toEqual(['users.deleted', 'users.created']);
    expect(events[0]!.data.object).toEqual(user);
    expect(events[1]!.data.object.id).toBe(user.id);
  });

  it('adds a school (schools.created) and unshares one, cascading to its users', async () => {
    const added = emu.admin.addSchool(districtId, { name: 'Académie Nouvelle' });
    const token = districtToken(emu);
    const listed = await collectIds(emu, '/v3.0/schools', token);
    expect(listed.ids.at(-1)).toBe(added.id);

    const target = schools[1]!;
    const members = [...emu.truth.usersOfSchool(target)];
    const onlyHere = members.filter((u) => Object.values(u.roles).every((r) => r.schools.length === 1));
    const elsewhereToo = members.filter((u) => !onlyHere.includes(u));
    expect(onlyHere.length).toBeGreaterThan(0);
    expect(elsewhereToo.length).toBeGreaterThan(0);

    const cursor = emu.truth.latestEventId(districtId);
    emu.admin.unshareSchool(target);
    expect((await get(emu, `/v3.0/schools/${target}`, token)).status).toBe(404);
    expect((await get(emu, `/v3.0/schools/${target}/users`, token)).status).toBe(404);
    expect((await collectIds(emu, '/v3.0/schools', token)).ids).not.toContain(target);

    const events = await eventsAfter(cursor);
    expect(events[0]).toMatchObject({ type: 'schools.deleted', data: { object: { id: target } } });
    const byUser = new Map(events.slice(1).map((e) => [e.data.object.id, e]));
    for (const u of onlyHere) {
      expect(byUser.get(u.id)?.type).toBe('users.deleted');
      expect((await get(emu, `/v3.0/users/${u.id}`, token)).status).toBe(404);
    }
    for (const u of elsewhereToo) {
      const event = byUser.get(u.id)!;
      expect(event.type).toBe('users.updated');
      const served = (await get(emu, `/v3.0/users/${u.id}`, token)).body.data;
      expect(event.data.object).toEqual(served);
      expect(JSON.stringify(served)).not.toContain(target);
    }
    expect(events).toHaveLength(1 + members.length);

    emu.admin.reshareSchool(target);
    expect((await get(emu, `/v3.0/schools/${target}`, token)).status).toBe(200);
    const back = await collectIds(emu, `/v3.0/schools/${target}/users?limit=500`, token);
    expect(back.ids).toEqual(members.map((u) => u.id));
  });
});

describe('events API', () => {
  it('lists events oldest first with ascending ids, paged like data', async () => {
    const all = emu.truth.events(districtId);
    expect(all.length).toBeGreaterThan(10);
    const ids = all.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    const paged = await collectIds(emu, '/v3.0/events?limit=4', districtToken(emu));
    expect(paged.ids).toEqual(ids);
    expect(paged.pages).toBe(Math.ceil(ids.length / 4));
    const newest = await get(emu, '/v3.0/events?ending_before=last&limit=1', districtToken(emu));
    expect(idsOf(newest.body)).toEqual([ids.at(-1)]);
    const single = await get(emu, `/v3.0/events/${ids[0]}`, districtToken(emu));
    expect(single.body.data).toEqual(all[0]);
  });

  it('filters by record_type (repeatable) and school', async () => {
    const token = districtToken(emu);
    const schoolsOnly = await get(emu, '/v3.0/events?limit=1000&record_type=schools', token);
    const types = schoolsOnly.body.data.map((i: { data: EventRecord }) => i.data.type);
    expect(new Set(types)).toEqual(new Set(['schools.created', 'schools.deleted']));
    const both = await get(emu, '/v3.0/events?limit=1000&record_type=schools&record_type=users', token);
    expect(both.body.data).toHaveLength(emu.truth.events(districtId).length);
    expect(relLink(both.body, 'self')).toContain('record_type=schools&record_type=users');

    const forSchool = await get(emu, `/v3.0/events?limit=1000&school=${schools[2]}`, token);
    expect(forSchool.body.data.length).toBeGreaterThan(0);
    for (const item of forSchool.body.data) expect(JSON.stringify(item.data)).toContain(schools[2]);
  });

  it('drops events past the retention window and rejects cursors that point there', async () => {
    const before = emu.truth.events(districtId);
    const oldCursor = before[0]!.id;
    now += 31 * DAY;
    const fresh = emu.admin.updateSchool(schools[0]!, { phone: '+1 505 555 0100' });
    const remaining = emu.truth.events(districtId);
    expect(remaining.map((e) => e.type)).toEqual(['schools.updated']);
    expect(remaining[0]!.data.object).toEqual(fresh);

    const expired = await get(emu, `/v3.0/events?starting_after=${oldCursor}`, districtToken(emu));
    expect(expired.status).toBe(404);
    expect(expired.body.message).toMatch(/retention/);
    const unknown = await get(
      emu,
      '/v3.0/events?starting_after=ffffffffffffffffffffffff',
      districtToken(emu),
    );
    expect(unknown.status).toBe(404);
    const ok = await get(emu, `/v3.0/events?starting_after=${remaining[0]!.id}`, districtToken(emu));
    expect(ok.body.data).toEqual([]);
    expect((await get(emu, `/v3.0/events/${oldCursor}`, districtToken(emu))).status).toBe(404);
  });

  it('answers 403 when events are not enabled for the district', async () => {
    emu.admin.setEventsEnabled(districtId, false);
    try {
      const response = await get(emu, '/v3.0/events', districtToken(emu));
      expect(response.status).toBe(403);
      expect(response.body.message).toMatch(/not enabled/);
    } finally {
      emu.admin.setEventsEnabled(districtId, true);
    }
  });

  it('can put previous_attributes beside data, as Clever’s spec does', async () => {
    const spec = await startEmulator({
      schoolsPerDistrict: 1,
      studentsPerSchool: 2,
      previousAttributesBesideData: true,
    });
    try {
      const district = spec.districts[0]!.id;
      const user = [...spec.truth.users(district, 'student')][0]!;
      spec.admin.updateUser(user.id, { email: 'new@example.org' });
      const [event] = (await get(spec, '/v3.0/events', spec.districts[0]!.token)).body.data;
      expect(event.data.previous_attributes).toMatchObject({ email: user.email ?? null });
      expect(event.data.data.previous_attributes).toBeUndefined();
    } finally {
      await spec.stop();
    }
  });

  it('rejects bad admin input with a clear error', () => {
    expect(() =>
      emu.admin.createUser(districtId, { role: 'student', schoolId: 'ffffffffffffffffffffffff' }),
    ).toThrow(/school/);
    const user = [...emu.truth.studentsOfSchool(schools[0]!)][0]!;
    expect(() => emu.admin.updateUser(user.id, { id: 'x' })).toThrow(/cannot change/);
    expect(() => emu.admin.updateUser(user.id, { roles: { student: { schools: [] } } })).toThrow(
      /at least one/,
    );
    expect(() => emu.admin.moveUser(user.id, schools[0]!, { fromSchoolId: schools[2] })).toThrow(
      /not in school/,
    );
    expect(() => emu.admin.restoreUser(user.id)).toThrow(/not deleted/);
  });
});
