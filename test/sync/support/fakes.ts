/**
 * Small in-memory fakes of the repository and Clever interfaces, for unit tests of orchestration
 * and cursor logic. They implement the contracts' documented behaviour, nothing more; the
 * integration tests run the same engine against the real emulator and real databases.
 */
import type {
  CleverApiClient,
  CleverDistrict,
  CleverDistrictApi,
  CleverEvent,
  CleverSchool,
  CleverStudent,
  CleverTeacher,
  CleverUser,
  EventQuery,
  PageOptions,
} from '../../../src/clever/api/types.js';
import type { CleverTokenProvider, DistrictToken } from '../../../src/clever/auth/token-provider.js';
import { CleverApiError } from '../../../src/clever/http/errors.js';
import type {
  DistrictRecord,
  DistrictUpsert,
  LeaseResult,
  SchoolDatabaseProvider,
  SchoolDatabaseRef,
  SchoolRecord,
  SchoolRosterRepository,
  SchoolUpsert,
  SessionRepository,
  SyncHistoryRecord,
  SyncRunRecord,
  UpsertPlan,
  UpsertResult,
} from '../../../src/db/types.js';
import type {
  LinkChanges,
  LinkKind,
  RosterEntity,
  RosterRow,
  SectionMembers,
  SectionRow,
  SyncCounts,
} from '../../../src/domain/index.js';
import { AppError } from '../../../src/errors.js';

const zero = (): SyncCounts => ({
  processed: 0,
  created: 0,
  updated: 0,
  archived: 0,
  restored: 0,
  failed: 0,
  invalid: 0,
});

// ---------------- SessionDb ----------------

export class FakeSession implements SessionRepository {
  districtRows: DistrictRecord[] = [];
  schoolRows: SchoolRecord[] = [];
  historyRows: SyncHistoryRecord[] = [];
  runRows: SyncRunRecord[] = [];
  leaseRows = new Map<string, { holder: string; expiresAt: number }>();
  /** Lease clock (ms); tests move it to expire leases. */
  leaseNow = 1_000_000;
  private nextId = 1;

  constructor(private readonly now: () => Date = () => new Date()) {}

  districts: SessionRepository['districts'] = {
    upsert: async (d: DistrictUpsert) => {
      let row = this.districtRows.find((r) => r.cleverDistrictId === d.cleverDistrictId);
      if (!row) {
        row = {
          id: this.nextId++,
          cleverDistrictId: d.cleverDistrictId,
          name: d.name,
          cleverState: d.cleverState ?? null,
          cleverLastSync: d.cleverLastSync ?? null,
          eventsCursor: null,
          eventsCursorTakenAt: null,
          isActive: true,
          createdAt: this.now(),
          updatedAt: this.now(),
        };
        this.districtRows.push(row);
      } else {
        Object.assign(row, {
          name: d.name,
          cleverState: d.cleverState ?? null,
          cleverLastSync: d.cleverLastSync ?? null,
        });
      }
      return { ...row };
    },
    list: async (o) => this.districtRows.filter((d) => !o?.activeOnly || d.isActive).map((d) => ({ ...d })),
    findById: async (id) => copy(this.districtRows.find((d) => d.id === id)),
    findByCleverId: async (id) => copy(this.districtRows.find((d) => d.cleverDistrictId === id)),
    setActive: async (id, isActive) => {
      const row = this.districtRows.find((d) => d.id === id);
      if (row) row.isActive = isActive;
    },
    setEventsCursor: async (id, cursor, takenAt) => {
      const row = this.districtRows.find((d) => d.id === id);
      if (row) Object.assign(row, { eventsCursor: cursor, eventsCursorTakenAt: takenAt });
    },
  };

  schools: SessionRepository['schools'] = {
    upsertMany: async (districtId: number, schools: SchoolUpsert[]) => {
      let created = 0;
      let updated = 0;
      let restored = 0;
      const records: SchoolRecord[] = [];
      for (const s of schools) {
        let row = this.schoolRows.find((r) => r.cleverSchoolId === s.cleverSchoolId);
        if (!row) {
          row = {
            id: this.nextId++,
            districtId,
            cleverSchoolId: s.cleverSchoolId,
            name: s.name,
            schoolNumber: null,
            sisId: null,
            stateId: null,
            ncesId: null,
            lowGrade: null,
            highGrade: null,
            phone: null,
            principalName: null,
            principalEmail: null,
            locationJson: null,
            cleverLastModified: null,
            connectionSecretName: null,
            databaseName: null,
            eventsCursor: null,
            requiresFullSync: false,
            isActive: true,
            archivedAt: null,
            consecutiveFailures: 0,
            lastSuccessfulSyncAt: null,
            createdAt: this.now(),
            updatedAt: this.now(),
          };
          this.schoolRows.push(row);
          created += 1;
        } else if (!row.isActive) {
          row.isActive = true;
          row.archivedAt = null;
          restored += 1;
        } else {
          updated += 1;
        }
        Object.assign(row, { ...s });
        records.push({ ...row });
      }
      return { created, updated, restored, records };
    },
    archiveMissing: async (districtId, keep, at) => {
      let n = 0;
      for (const row of this.schoolRows) {
        if (row.districtId === districtId && row.isActive && !keep.includes(row.cleverSchoolId)) {
          row.isActive = false;
          row.archivedAt = at;
          n += 1;
        }
      }
      return n;
    },
    list: async (o) =>
      this.schoolRows
        .filter(
          (s) =>
            (o?.districtId === undefined || s.districtId === o.districtId) && (!o?.activeOnly || s.isActive),
        )
        .map((s) => ({ ...s })),
    findById: async (id) => copy(this.schoolRows.find((s) => s.id === id)),
    findByCleverId: async (id) => copy(this.schoolRows.find((s) => s.cleverSchoolId === id)),
    recordSuccess: async (id, at, cursor) => {
      const row = this.school(id);
      Object.assign(row, { consecutiveFailures: 0, lastSuccessfulSyncAt: at, requiresFullSync: false });
      if (cursor !== undefined) row.eventsCursor = cursor;
    },
    recordFailure: async (id) => {
      const row = this.school(id);
      row.consecutiveFailures += 1;
      return row.consecutiveFailures;
    },
    setRequiresFullSync: async (id, value) => {
      this.school(id).requiresFullSync = value;
    },
    setEventsCursor: async (id, cursor) => {
      this.school(id).eventsCursor = cursor;
    },
    advanceCursors: async (schools, to, at) => {
      let updated = 0;
      for (const { id, from } of schools) {
        const row = this.schoolRows.find((s) => s.id === id);
        if (!row || row.eventsCursor !== from) continue;
        const newer = to !== null && (to.length === from.length ? to > from : to.length > from.length);
        Object.assign(row, {
          eventsCursor: newer ? to : from,
          consecutiveFailures: 0,
          lastSuccessfulSyncAt: at,
          requiresFullSync: false,
        });
        updated += 1;
      }
      return updated;
    },
    setDatabase: async (id, db) => {
      Object.assign(this.school(id), db);
    },
  };

  history: SessionRepository['history'] = {
    start: async (row) => {
      const record: SyncHistoryRecord = {
        ...row,
        id: this.nextId++,
        status: 'Running',
        completedAt: null,
        counts: { ...zero(), ...row.counts },
        errorSummary: null,
        warningsJson: null,
      };
      this.historyRows.push(record);
      return { ...record };
    },
    complete: async (id, outcome) => {
      const row = this.historyRows.find((h) => h.id === id);
      if (!row) throw new Error(`no history row ${id}`);
      Object.assign(row, {
        status: outcome.status,
        counts: { ...outcome.counts },
        completedAt: outcome.completedAt,
        ...(outcome.eventCursor !== undefined ? { eventCursor: outcome.eventCursor } : {}),
        ...(outcome.lastSyncTimestamp !== undefined ? { lastSyncTimestamp: outcome.lastSyncTimestamp } : {}),
        errorSummary: outcome.errorSummary ?? null,
        warningsJson: outcome.warningsJson ?? null,
      });
    },
    lastSuccessful: async (schoolId, entity) =>
      copy(
        [...this.historyRows]
          .reverse()
          .find(
            (h) =>
              h.schoolId === schoolId &&
              h.entity === entity &&
              (h.status === 'Succeeded' || h.status === 'PartiallySucceeded'),
          ),
      ),
    list: async (o) =>
      [...this.historyRows]
        .reverse()
        .filter(
          (h) =>
            (o.runId === undefined || h.runId === o.runId) &&
            (o.schoolId === undefined || h.schoolId === o.schoolId) &&
            (o.districtId === undefined || h.districtId === o.districtId) &&
            (o.entity === undefined || h.entity === o.entity) &&
            (o.status === undefined || h.status === o.status),
        )
        .slice(0, o.limit ?? 100)
        .map((h) => ({ ...h })),
    abandonRunning: async (before, at) => {
      let n = 0;
      for (const h of this.historyRows) {
        if (h.status === 'Running' && h.startedAt < before) {
          Object.assign(h, { status: 'Abandoned', completedAt: at });
          n += 1;
        }
      }
      return n;
    },
  };

  runs: SessionRepository['runs'] = {
    create: async (run) => {
      if (this.runRows.some((r) => r.runId === run.runId)) throw new AppError('CONFLICT', 'duplicate run');
      const record: SyncRunRecord = { ...run, completedAt: null, summaryJson: null, errorSummary: null };
      this.runRows.push(record);
      return { ...record };
    },
    update: async (runId, patch) => {
      const row = this.runRows.find((r) => r.runId === runId);
      if (row) Object.assign(row, patch);
    },
    get: async (runId) => copy(this.runRows.find((r) => r.runId === runId)),
    listRecent: async (limit) =>
      [...this.runRows]
        .reverse()
        .slice(0, limit)
        .map((r) => ({ ...r })),
    abandonRunning: async () => 0,
  };

  leases: SessionRepository['leases'] = {
    tryAcquire: async (key, holder, ttl): Promise<LeaseResult> => {
      const current = this.leaseRows.get(key);
      if (current && current.holder !== holder && current.expiresAt > this.leaseNow) {
        return { acquired: false, holder: current.holder, expiresAt: new Date(current.expiresAt) };
      }
      const expiresAt = this.leaseNow + ttl * 1000;
      this.leaseRows.set(key, { holder, expiresAt });
      return { acquired: true, expiresAt: new Date(expiresAt) };
    },
    renew: async (key, holder, ttl) => {
      const current = this.leaseRows.get(key);
      if (!current || current.holder !== holder) return false;
      current.expiresAt = this.leaseNow + ttl * 1000;
      return true;
    },
    release: async (key, holder) => {
      if (this.leaseRows.get(key)?.holder === holder) this.leaseRows.delete(key);
    },
    holders: async (keys) => {
      const held = new Map<string, string>();
      for (const key of keys) {
        const current = this.leaseRows.get(key);
        if (current && current.expiresAt > this.leaseNow) held.set(key, current.holder);
      }
      return held;
    },
  };

  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  school(id: number): SchoolRecord {
    const row = this.schoolRows.find((s) => s.id === id);
    if (!row) throw new Error(`no school ${id}`);
    return row;
  }

  schoolByClever(cleverId: string): SchoolRecord {
    const row = this.schoolRows.find((s) => s.cleverSchoolId === cleverId);
    if (!row) throw new Error(`no school ${cleverId}`);
    return row;
  }
}

function copy<T extends object>(value: T | undefined): T | null {
  return value ? { ...value } : null;
}

// ---------------- School databases ----------------

interface StoredRow {
  row: RosterRow<RosterEntity>;
  isActive: boolean;
  deactivatedAt: Date | null;
  lastSeenRunId: string | null;
}

export class FakeRoster implements SchoolRosterRepository {
  readonly tables: Record<RosterEntity, Map<string, StoredRow>> = {
    students: new Map(),
    teachers: new Map(),
    sections: new Map(),
    courses: new Map(),
    terms: new Map(),
  };
  /** Section links: kind -> section id -> member ids. */
  readonly links: Record<LinkKind, Map<string, Set<string>>> = { teachers: new Map(), students: new Map() };
  /** Throws from upsert when set (simulates a database failure). */
  failUpserts: Error | null = null;
  upsertCalls = 0;
  rowsWritten = 0;

  async upsert<E extends RosterEntity>(
    entity: E,
    rows: RosterRow<E>[],
    runId: string,
  ): Promise<UpsertResult> {
    if (this.failUpserts) throw this.failUpserts;
    this.upsertCalls += 1;
    this.rowsWritten += rows.length;
    const result = this.classify(entity, rows);
    const table = this.tables[entity];
    for (const row of rows) {
      table.set(row.cleverId, { row: { ...row }, isActive: true, deactivatedAt: null, lastSeenRunId: runId });
    }
    return {
      created: result.created,
      updated: result.updated,
      restored: result.restored,
      unchanged: result.unchanged,
    };
  }

  async plan<E extends RosterEntity>(entity: E, rows: RosterRow<E>[]): Promise<UpsertPlan> {
    return this.classify(entity, rows);
  }

  private classify(entity: RosterEntity, rows: RosterRow<RosterEntity>[]): UpsertPlan {
    const plan: UpsertPlan = {
      created: 0,
      updated: 0,
      restored: 0,
      unchanged: 0,
      samples: { created: [], updated: [], restored: [] },
    };
    for (const row of rows) {
      const existing = this.tables[entity].get(row.cleverId);
      const kind = !existing
        ? 'created'
        : !existing.isActive
          ? 'restored'
          : JSON.stringify(existing.row) !== JSON.stringify(row)
            ? 'updated'
            : 'unchanged';
      plan[kind] += 1;
      if (kind !== 'unchanged' && plan.samples[kind].length < 5) plan.samples[kind].push(row.cleverId);
    }
    return plan;
  }

  async countActive(entity: RosterEntity): Promise<number> {
    return [...this.tables[entity].values()].filter((r) => r.isActive).length;
  }

  async countUnseenActive(entity: RosterEntity, runId: string): Promise<number> {
    return [...this.tables[entity].values()].filter((r) => r.isActive && r.lastSeenRunId !== runId).length;
  }

  async archiveUnseen(entity: RosterEntity, runId: string, at: Date): Promise<number> {
    let n = 0;
    for (const r of this.tables[entity].values()) {
      if (r.isActive && r.lastSeenRunId !== runId) {
        r.isActive = false;
        r.deactivatedAt = at;
        n += 1;
      }
    }
    return n;
  }

  async markSeen(entity: RosterEntity, ids: string[], runId: string): Promise<void> {
    for (const id of ids) {
      const r = this.tables[entity].get(id);
      if (r) r.lastSeenRunId = runId;
    }
  }

  async archiveByCleverIds(entity: RosterEntity, ids: string[], at: Date): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const r = this.tables[entity].get(id);
      if (r?.isActive) {
        r.isActive = false;
        r.deactivatedAt = at;
        n += 1;
      }
    }
    return n;
  }

  async *iterateActiveCleverIds(entity: RosterEntity, pageSize = 1000): AsyncIterable<string[]> {
    const ids = [...this.tables[entity].values()]
      .filter((r) => r.isActive)
      .map((r) => r.row.cleverId)
      .sort();
    for (let i = 0; i < ids.length; i += pageSize) yield ids.slice(i, i + pageSize);
  }

  async deleteInactive(entity: RosterEntity, inactiveSince: Date): Promise<number> {
    let n = 0;
    for (const [id, r] of this.tables[entity]) {
      if (!r.isActive && r.deactivatedAt && r.deactivatedAt < inactiveSince) {
        this.tables[entity].delete(id);
        n += 1;
      }
    }
    return n;
  }

  active(entity: RosterEntity): string[] {
    return [...this.tables[entity].values()]
      .filter((r) => r.isActive)
      .map((r) => r.row.cleverId)
      .sort();
  }

  get(entity: RosterEntity, id: string): StoredRow | undefined {
    return this.tables[entity].get(id);
  }

  async replaceSectionLinks(kind: LinkKind, sections: SectionMembers[]): Promise<LinkChanges> {
    return this.diffLinks(kind, sections, true);
  }

  async planSectionLinks(kind: LinkKind, sections: SectionMembers[]): Promise<LinkChanges> {
    return this.diffLinks(kind, sections, false);
  }

  private diffLinks(kind: LinkKind, sections: SectionMembers[], write: boolean): LinkChanges {
    const changes = { listed: 0, added: 0, removed: 0 };
    for (const { sectionId, memberIds } of sections) {
      const wanted = new Set(memberIds);
      const current = this.links[kind].get(sectionId) ?? new Set<string>();
      changes.listed += wanted.size;
      changes.added += [...wanted].filter((id) => !current.has(id)).length;
      changes.removed += [...current].filter((id) => !wanted.has(id)).length;
      if (write) this.links[kind].set(sectionId, wanted);
    }
    return changes;
  }

  async pruneLinks(): Promise<Record<LinkKind, number>> {
    const pruned = { teachers: 0, students: 0 };
    const inactive = (entity: RosterEntity, id: string) => this.tables[entity].get(id)?.isActive === false;
    for (const kind of ['teachers', 'students'] as const) {
      for (const [sectionId, members] of this.links[kind]) {
        for (const member of [...members]) {
          if (inactive('sections', sectionId) || inactive(kind, member)) {
            members.delete(member);
            pruned[kind] += 1;
          }
        }
      }
    }
    return pruned;
  }

  async countLinks(kind: LinkKind): Promise<number> {
    return [...this.links[kind].values()].reduce((sum, members) => sum + members.size, 0);
  }

  async *iterateSectionLinks(kind: LinkKind): AsyncIterable<{ sectionId: string; memberId: string }[]> {
    const all = [...this.links[kind]].flatMap(([sectionId, members]) =>
      [...members].map((memberId) => ({ sectionId, memberId })),
    );
    yield all;
  }

  async unreferenced(entity: 'courses' | 'terms'): Promise<string[]> {
    const used = new Set(
      [...this.tables.sections.values()]
        .filter((r) => r.isActive)
        .map((r) => (r.row as SectionRow)[entity === 'courses' ? 'cleverCourseId' : 'cleverTermId']),
    );
    return this.active(entity).filter((id) => !used.has(id));
  }

  async activeAmong(entity: RosterEntity, cleverIds: string[]): Promise<Set<string>> {
    return new Set(cleverIds.filter((id) => this.tables[entity].get(id)?.isActive));
  }
}

export class FakeProvider implements SchoolDatabaseProvider {
  readonly rosters = new Map<string, FakeRoster>();
  readonly provisioned: string[] = [];
  /** Clever school ids whose database cannot be opened. */
  readonly unreachable = new Set<string>();

  roster(cleverSchoolId: string): FakeRoster {
    let roster = this.rosters.get(cleverSchoolId);
    if (!roster) {
      roster = new FakeRoster();
      this.rosters.set(cleverSchoolId, roster);
    }
    return roster;
  }

  async forSchool(school: SchoolDatabaseRef): Promise<SchoolRosterRepository> {
    if (this.unreachable.has(school.cleverSchoolId)) {
      throw new AppError('DATABASE_UNAVAILABLE', `school database ${school.cleverSchoolId} unreachable`, {
        transient: true,
      });
    }
    return this.roster(school.cleverSchoolId);
  }

  async provision(school: SchoolDatabaseRef): Promise<{ databaseName: string | null; created: boolean }> {
    this.provisioned.push(school.cleverSchoolId);
    return { databaseName: `school_${school.cleverSchoolId}`, created: true };
  }

  async closeIdle(): Promise<void> {}
  async closeAll(): Promise<void> {}
}

// ---------------- Clever ----------------

/** The fake serves users only: its tests sync students and teachers (class rosters: the emulator). */
function notServed(what: string): AsyncIterable<never[]> {
  throw new Error(`the fake Clever does not serve ${what}`);
}

let idCounter = 0x100000;
/** A fresh 24-hex id, ascending. */
export function hexId(): string {
  idCounter += 1;
  return idCounter.toString(16).padStart(24, '0');
}

export function makeStudent(input: {
  id?: string;
  district: string;
  schools: string[];
  first?: string;
  last?: string;
  grade?: string;
  lastModified?: string;
}): CleverStudent {
  return {
    id: input.id ?? hexId(),
    district: input.district,
    name: { first: input.first ?? 'Zoë', last: input.last ?? 'Öztürk' },
    email: 'kid@example.org',
    created: '2024-01-01T00:00:00.000Z',
    last_modified: input.lastModified ?? '2024-01-02T00:00:00.000Z',
    roles: {
      student: {
        school: input.schools[0],
        schools: input.schools,
        sis_id: 'SIS',
        grade: input.grade ?? '3',
        dob: '1/2/2015',
      },
    },
  };
}

export function makeTeacher(input: { id?: string; district: string; schools: string[] }): CleverTeacher {
  return {
    id: input.id ?? hexId(),
    district: input.district,
    name: { first: 'Ana', last: 'Núñez' },
    created: '2024-01-01T00:00:00.000Z',
    last_modified: '2024-01-02T00:00:00.000Z',
    roles: { teacher: { school: input.schools[0], schools: input.schools, title: 'Teacher' } },
  };
}

export interface FakeDistrictState {
  district: CleverDistrict;
  schools: CleverSchool[];
  users: CleverUser[];
  events: CleverEvent[];
  eventsEnabled: boolean;
  /** Event ids older than this are "past retention": a cursor below it is refused with 404. */
  retainedFrom?: string;
}

export class FakeClever implements CleverApiClient {
  readonly states = new Map<string, FakeDistrictState>();
  requests = 0;
  requestsByKind: Record<string, number> = {};
  /** Schools whose roster requests fail (transient 503 after retries). */
  readonly failingSchools = new Set<string>();
  /** Schools whose roster pull returns nothing. */
  readonly emptySchools = new Set<string>();
  active = 0;
  maxActive = 0;
  /** Called when a roster pull starts (to change data while a sync runs). */
  onRosterPull: ((schoolId: string) => void) | null = null;
  pageSize = 2;

  addDistrict(id: string, schoolIds: string[]): FakeDistrictState {
    const state: FakeDistrictState = {
      district: { id, name: `District ${id.slice(-4)}` },
      schools: schoolIds.map((s) => ({ id: s, district: id, name: `School ${s.slice(-4)}` })),
      users: [],
      events: [],
      eventsEnabled: true,
    };
    this.states.set(id, state);
    return state;
  }

  state(id: string): FakeDistrictState {
    const state = this.states.get(id);
    if (!state) throw new Error(`no district ${id}`);
    return state;
  }

  /** Changes a user and appends the matching event, as Clever would. */
  change(
    districtId: string,
    type: 'created' | 'updated' | 'deleted',
    user: CleverUser,
    previous?: Record<string, unknown>,
  ): string {
    const state = this.state(districtId);
    const index = state.users.findIndex((u) => u.id === user.id);
    if (type === 'deleted') state.users.splice(index, 1);
    else if (index >= 0) state.users[index] = user;
    else state.users.push(user);
    const id = hexId();
    state.events.push({
      id,
      type: `users.${type}`,
      created: new Date().toISOString(),
      object: user as unknown as Record<string, unknown>,
      ...(previous ? { previousAttributes: previous } : {}),
    });
    return id;
  }

  async getDistricts(): Promise<CleverDistrict[]> {
    return [...this.states.values()].map((s) => s.district);
  }

  forDistrict(districtId: string): CleverDistrictApi {
    const state = this.state(districtId);
    const fake = this;
    const count = (kind: string) => {
      fake.requests += 1;
      fake.requestsByKind[kind] = (fake.requestsByKind[kind] ?? 0) + 1;
    };
    async function* paged<T>(items: T[], kind: string, size: number, fail?: AppError): AsyncIterable<T[]> {
      fake.active += 1;
      fake.maxActive = Math.max(fake.maxActive, fake.active);
      try {
        if (fail) {
          count(kind);
          throw fail;
        }
        if (items.length === 0) {
          count(kind);
          yield [];
          return;
        }
        for (let i = 0; i < items.length; i += size) {
          count(kind);
          await new Promise((r) => setImmediate(r));
          yield items.slice(i, i + size);
        }
      } finally {
        fake.active -= 1;
      }
    }
    const roster = (schoolId: string, role: 'student' | 'teacher' | 'any', options?: PageOptions) => {
      this.onRosterPull?.(schoolId);
      const fail = this.failingSchools.has(schoolId)
        ? new CleverApiError({
            kind: 'http',
            status: 503,
            method: 'GET',
            path: `/schools/${schoolId}/users`,
            attempt: 6,
          })
        : undefined;
      const users = this.emptySchools.has(schoolId)
        ? []
        : state.users
            .filter((u) =>
              role === 'any'
                ? u.roles.student?.schools.includes(schoolId) || u.roles.teacher?.schools.includes(schoolId)
                : u.roles[role]?.schools.includes(schoolId),
            )
            .sort((a, b) => (a.id < b.id ? -1 : 1));
      return paged(users, `roster:${schoolId}`, options?.pageSize ?? this.pageSize, fail);
    };
    return {
      districtId,
      getDistrict: async () => {
        count('district');
        return state.district;
      },
      getSchools: (options?: PageOptions) =>
        paged(state.schools, 'schools', options?.pageSize ?? this.pageSize),
      getSchool: async (id: string) => {
        count('school');
        const school = state.schools.find((s) => s.id === id);
        if (!school)
          throw new CleverApiError({ kind: 'http', status: 404, method: 'GET', path: `/schools/${id}` });
        return school;
      },
      getSchoolUsers: (schoolId: string, options?: PageOptions) => roster(schoolId, 'any', options),
      getStudents: (schoolId: string, _lm?: Date, options?: PageOptions) =>
        roster(schoolId, 'student', options) as AsyncIterable<CleverStudent[]>,
      getTeachers: (schoolId: string, _lm?: Date, options?: PageOptions) =>
        roster(schoolId, 'teacher', options) as AsyncIterable<CleverTeacher[]>,
      getUser: async () => {
        throw new Error('not used');
      },
      getSchoolSections: () => notServed('sections'),
      getSchoolCourses: () => notServed('courses'),
      getSchoolTerms: () => notServed('terms'),
      getCourses: () => notServed('courses'),
      getTerms: () => notServed('terms'),
      getPagedData: () => {
        throw new Error('not used');
      },
      getEvents: (query: EventQuery = {}) => {
        if (!state.eventsEnabled) {
          return paged(
            [],
            'events',
            1,
            new CleverApiError({ kind: 'http', status: 403, method: 'GET', path: '/events' }),
          );
        }
        const after = query.startingAfter;
        if (
          after !== undefined &&
          (!state.events.some((e) => e.id === after) || (state.retainedFrom && after < state.retainedFrom))
        ) {
          return paged(
            [],
            'events',
            1,
            new CleverApiError({ kind: 'http', status: 404, method: 'GET', path: '/events' }),
          );
        }
        const events = state.events.filter((e) => after === undefined || e.id > after);
        return paged(events, 'events', query.pageSize ?? this.pageSize);
      },
      getLatestEventId: async () => {
        count('latest-event');
        if (!state.eventsEnabled)
          throw new CleverApiError({ kind: 'http', status: 403, method: 'GET', path: '/events' });
        return state.events.at(-1)?.id ?? null;
      },
    };
  }
}

export class FakeTokens implements CleverTokenProvider {
  constructor(public districtIds: string[]) {}
  async listDistricts(): Promise<DistrictToken[]> {
    return this.districtIds.map((districtId) => ({
      districtId,
      accessToken: `t-${districtId}`,
      scopes: [],
      source: 'discovery',
    }));
  }
  async getToken(districtId: string): Promise<string> {
    return `t-${districtId}`;
  }
  async refreshAfterUnauthorized(districtId: string): Promise<string> {
    return `t-${districtId}`;
  }
}
