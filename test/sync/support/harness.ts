import { createSyncService } from '../../../src/sync/index.js';
import type { SyncAlert, SyncServiceDeps, SyncTuning } from '../../../src/sync/types.js';
import { createCapturingLogger } from '../../../src/telemetry/index.js';
import {
  FakeClever,
  FakeProvider,
  FakeSession,
  FakeTokens,
  hexId,
  makeStudent,
  makeTeacher,
} from './fakes.js';

export interface FakeWorld {
  session: FakeSession;
  provider: FakeProvider;
  clever: FakeClever;
  tokens: FakeTokens;
  alerts: SyncAlert[];
  lines: string[];
  districtId: string;
  schoolIds: string[];
  clock: { now: Date };
  service: ReturnType<typeof createSyncService>;
  rebuild(
    overrides?: Omit<Partial<SyncServiceDeps>, 'config'> & { config?: Partial<SyncServiceDeps['config']> },
  ): void;
}

/** One district with `schools` schools of `students` students and 2 teachers each. */
export function fakeWorld(
  options: {
    schools?: number;
    students?: number;
    tuning?: SyncTuning;
    config?: Partial<SyncServiceDeps['config']>;
  } = {},
): FakeWorld {
  const districtId = hexId();
  const schoolIds = Array.from({ length: options.schools ?? 3 }, () => hexId());
  const clever = new FakeClever();
  const state = clever.addDistrict(districtId, schoolIds);
  for (const schoolId of schoolIds) {
    for (let i = 0; i < (options.students ?? 4); i++)
      state.users.push(makeStudent({ district: districtId, schools: [schoolId] }));
    for (let i = 0; i < 2; i++) state.users.push(makeTeacher({ district: districtId, schools: [schoolId] }));
  }
  const clock = { now: new Date('2025-03-01T02:00:00.000Z') };
  const session = new FakeSession(() => clock.now);
  const provider = new FakeProvider();
  const tokens = new FakeTokens([districtId]);
  const alerts: SyncAlert[] = [];
  const { logger, lines } = createCapturingLogger('info');
  const world: FakeWorld = {
    session,
    provider,
    clever,
    tokens,
    alerts,
    lines,
    districtId,
    schoolIds,
    clock,
    service: undefined as never,
    rebuild(overrides = {}) {
      const { config, ...rest } = overrides;
      world.service = createSyncService({
        session,
        schoolDatabases: provider,
        clever,
        tokens,
        config: {
          maxConcurrentSchools: 2,
          pageSize: 2,
          archiveGuardFraction: 0.3,
          leaseSeconds: 600,
          eventsEnabled: true,
          // The fake Clever serves users only; class rosters are tested against the emulator.
          entities: ['students', 'teachers'],
          ...options.config,
          ...config,
        },
        logger,
        alerts: (alert) => void alerts.push(alert),
        clock: () => clock.now,
        tuning: { archiveGuardMinRows: 2, ...options.tuning },
        ...rest,
      });
    },
  };
  world.rebuild();
  return world;
}

/** Active Clever ids per entity in a school database vs. what the fake Clever serves. */
export function expectedRoster(world: FakeWorld, schoolId: string, role: 'student' | 'teacher'): string[] {
  return world.clever
    .state(world.districtId)
    .users.filter((u) => u.roles[role]?.schools.includes(schoolId))
    .map((u) => u.id)
    .sort();
}

export function advance(world: FakeWorld, ms: number): void {
  world.clock.now = new Date(world.clock.now.getTime() + ms);
}

/** A synced district whose Clever list then gains one school and loses another. */
export async function changedDistrict(schools = 4) {
  const w = fakeWorld({ schools });
  await w.service.syncAllDistricts();
  const state = w.clever.state(w.districtId);
  const removed = state.schools.shift()!.id;
  const added = hexId();
  state.schools.push({ id: added, district: w.districtId, name: 'New School' });
  state.users.push(makeStudent({ district: w.districtId, schools: [added] }));
  return { w, removed, added };
}
