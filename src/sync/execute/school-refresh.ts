/**
 * The school-list part of a run on its own (SyncService.refreshSchools). The queue fan-out runs it
 * before enqueueing one message per school, so a queued run covers the schools Clever started
 * sharing and skips those it stopped sharing, as an in-process run does. It is the in-process
 * district pipeline's own first half (discovery, the district's record and school list with its
 * guard), plus provisioning the databases of never-synced schools, which an in-process run does as
 * each school starts and the queue workers would otherwise do one by one.
 */
import pLimit from 'p-limit';
import type { CleverApiClient } from '../../clever/api/index.js';
import type {
  DistrictRecord,
  SchoolDatabaseProvider,
  SchoolRecord,
  SessionRepository,
} from '../../db/index.js';
import { zeroCounts } from '../../domain/index.js';
import type { Logger } from '../../telemetry/index.js';
import { leaseKeys } from '../leases.js';
import type { DistrictTarget, ResolvedTarget } from '../plan/target.js';
import { describeError, errorForLog } from '../report/error-text.js';
import type { DistrictSchoolsRefresh, DistrictSyncResult } from '../types.js';
import { type DiscoveryDeps, discoverDistricts } from './discovery.js';
import { traceDistrict } from './district-trace.js';
import type { Run } from './run.js';
import { refreshDistrictAndList } from './school-list.js';
import { provisionIfNeverSynced } from './school-pull.js';

export interface RefreshDeps extends DiscoveryDeps {
  session: Pick<SessionRepository, 'districts' | 'schools' | 'history'>;
  databases: SchoolDatabaseProvider;
  clever: Pick<CleverApiClient, 'forDistrict'>;
}

export async function refreshScope(
  run: Run,
  deps: RefreshDeps,
  target: ResolvedTarget,
): Promise<DistrictSchoolsRefresh[]> {
  if (target.scope === 'school') {
    // A run of one school never re-lists its district (in either mode): the school is the list.
    const { district, school } = target;
    return [{ ...outcome(district.id, district.cleverDistrictId), schools: [school] }];
  }
  if (target.scope === 'district') return [await refreshDistrictSchools(run, deps, target.district)];
  const discovery = await discoverDistricts(run, deps);
  const limit = pLimit(run.settings.maxConcurrentDistricts);
  const refreshed = await Promise.all(
    discovery.targets.map((t) => limit(() => refreshDistrictSchools(run, deps, t))),
  );
  return [...refreshed, ...discovery.notConnected.map(notConnected)];
}

/** One district: its lease, record and school list, then databases for schools that never synced. */
async function refreshDistrictSchools(
  run: Run,
  deps: RefreshDeps,
  target: DistrictTarget,
): Promise<DistrictSchoolsRefresh> {
  const logger = run.logger.child({
    cleverDistrictId: target.cleverDistrictId,
    districtId: target.record?.id,
  });
  const key = leaseKeys.district(target.cleverDistrictId);
  const lease = await run.acquire(key);
  // The queue fan-out holds its run's scope lease under a holder of its own: that is this run.
  if (!lease.acquired && lease.runningRunId !== run.id) {
    logger.info({ runningRunId: lease.runningRunId }, 'school list not refreshed: another run is syncing it');
    return {
      ...outcome(target.record?.id ?? null, target.cleverDistrictId),
      status: 'Skipped',
      schools: await knownSchools(deps, target.record),
      warnings: [`already being synced by run ${lease.runningRunId}`],
      runningRunId: lease.runningRunId,
    };
  }
  let district = target.record;
  try {
    return await traceDistrict(
      run,
      deps.session,
      target.cleverDistrictId,
      district,
      logger,
      async (known) => {
        const refreshed = await refreshDistrictAndList(run, deps, target.cleverDistrictId, known, logger);
        district = refreshed.district;
        const { list } = refreshed;
        const listed = list.schools.flatMap((s) => (s.record ? [s.record] : []));
        const { schools, provisioned } = await provisionNew(run, deps, listed, logger);
        logger.info(
          { schools: schools.length, schoolChanges: list.changes, provisioned, held: list.held },
          'school list refreshed',
        );
        return {
          ...outcome(district?.id ?? null, target.cleverDistrictId),
          status: list.held ? 'Held' : 'Succeeded',
          schoolChanges: list.changes,
          schools,
          provisioned,
          unshared: list.unshared.length,
          warnings: list.warnings,
        } satisfies DistrictSchoolsRefresh;
      },
    );
  } catch (caught) {
    logger.error(
      { err: errorForLog(caught) },
      'school list refresh failed; using the schools SessionDb knows',
    );
    return {
      ...outcome(district?.id ?? null, target.cleverDistrictId),
      status: 'Failed',
      schools: await knownSchools(deps, district),
      error: describeError(caught),
    };
  } finally {
    // A no-op when the run's fan-out holds it: that lease lives as long as the run.
    await run.release(key);
  }
}

/**
 * Provisions databases of never-synced schools, within the run's school concurrency, and returns
 * the records with their database names. A failure is only logged: the school's own sync
 * provisions again and records the failure in its SyncHistory, where operators look.
 */
async function provisionNew(
  run: Run,
  deps: RefreshDeps,
  schools: SchoolRecord[],
  logger: Logger,
): Promise<{ schools: SchoolRecord[]; provisioned: number }> {
  let provisioned = 0;
  const updated = await Promise.all(
    schools.map((school) => {
      if (school.lastSuccessfulSyncAt !== null) return school;
      return run.limiter(async () => {
        try {
          const ref = await provisionIfNeverSynced(
            run,
            { databases: deps.databases, schools: deps.session.schools },
            school,
          );
          provisioned += 1;
          return { ...school, databaseName: ref.databaseName };
        } catch (error) {
          logger.warn(
            { schoolId: school.id, err: errorForLog(error) },
            'could not provision the school database; its sync will try again',
          );
          return school;
        }
      });
    }),
  );
  return { schools: updated, provisioned };
}

async function knownSchools(deps: RefreshDeps, district: DistrictRecord | null): Promise<SchoolRecord[]> {
  if (!district) return [];
  return deps.session.schools.list({ districtId: district.id, activeOnly: true });
}

function outcome(districtId: number | null, cleverDistrictId: string): DistrictSchoolsRefresh {
  return {
    districtId,
    cleverDistrictId,
    status: 'Succeeded',
    schoolChanges: zeroCounts(),
    schools: [],
    provisioned: 0,
    unshared: 0,
    warnings: [],
  };
}

function notConnected(district: DistrictSyncResult): DistrictSchoolsRefresh {
  return {
    ...outcome(district.districtId, district.cleverDistrictId),
    status: 'Skipped',
    ...(district.error ? { error: district.error } : {}),
  };
}
