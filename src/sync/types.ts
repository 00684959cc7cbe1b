/**
 * The public shapes of the sync engine: what callers (timer, HTTP trigger, queue handler, CLI)
 * pass in and get back. Internal helpers live next to the code that uses them.
 */

import type { CleverApiClient } from '../clever/api/index.js';
import type { CleverTokenProvider } from '../clever/auth/index.js';
import type { AppConfig } from '../config/index.js';
import type { SchoolDatabaseProvider, SchoolRecord, SessionRepository } from '../db/index.js';
import type {
  LinkChanges,
  RosterEntity,
  SyncCounts,
  SyncRunHeader,
  SyncRunScope,
  SyncStatus,
  SyncTrigger,
  SyncType,
} from '../domain/index.js';
import type { Logger } from '../telemetry/index.js';
import type { IdSelector } from './plan/selector.js';
import type { EntityCounts } from './report/entity-counts.js';

/** An alert for operators: the composition root forwards it to Application Insights (trackEvent). */
export interface SyncAlert {
  /** Custom event name, e.g. `CleverSyncSchoolFailing`. */
  name: 'CleverSyncSchoolFailing' | 'CleverSyncDistrictFailing' | 'CleverSyncArchiveHeld';
  severity: 'error' | 'warning';
  message: string;
  /** Ids only (run, district, school): never names or student data. */
  properties: Record<string, string>;
  measurements: Record<string, number>;
}

export type SyncAlertSink = (alert: SyncAlert) => void | Promise<void>;

/** Knobs with sensible defaults that are not (yet) settings of their own. */
export interface SyncTuning {
  /** Consecutive failures of a school (or district) from which every further failure raises an alert. Default 3. */
  alertAfterFailures?: number;
  /**
   * The share rule of the mass-archive guard applies only when at least this many rows would be
   * archived, so a class of 6 losing 2 students is not held. The "pull returned nothing" rule
   * always applies. Default 10.
   */
  archiveGuardMinRows?: number;
  /** Clever keeps events this many days; an older cursor means a full sync. Default 30. */
  eventsRetentionDays?: number;
  /** Districts synced at once by syncAllDistricts. Default 1. */
  maxConcurrentDistricts?: number;
  /**
   * How long the writes that end a run or a piece of it (SyncHistory, SyncRun, lease releases)
   * retry a transient SessionDb failure, in milliseconds. Default 60,000.
   */
  finalWriteBudgetMs?: number;
}

export interface SyncServiceDeps {
  session: SessionRepository;
  schoolDatabases: SchoolDatabaseProvider;
  clever: CleverApiClient;
  /** District discovery: the districts that authorized the app (one token each). */
  tokens: CleverTokenProvider;
  /** AppConfig.sync (only these fields are read). */
  config: Pick<
    AppConfig['sync'],
    'maxConcurrentSchools' | 'pageSize' | 'archiveGuardFraction' | 'leaseSeconds' | 'eventsEnabled'
  > &
    Partial<Pick<AppConfig['sync'], 'entities'>>;
  /** AppConfig.clever.districtIds: restricts which districts are synced (undefined = all connected). */
  districtIds?: string[] | undefined;
  logger: Logger;
  alerts?: SyncAlertSink;
  /**
   * Called once when a run is complete (telemetry `CleverSyncRunCompleted`, which an alert rule
   * reads). For a run shared by queue workers, only the process that completes it reports it.
   */
  onRunCompleted?: (run: SyncRunCompletion) => void;
  /** Injected for tests; defaults to the system clock. */
  clock?: () => Date;
  tuning?: SyncTuning;
}

export interface SyncProgress {
  runId: string;
  phase: 'districts' | 'schools' | 'finished';
  districtsTotal: number;
  districtsDone: number;
  /** Schools in scope so far (grows as districts are discovered). */
  schoolsTotal: number;
  schoolsCompleted: number;
  schoolsFailed: number;
  /** Skipped because another run holds the school's lease. */
  schoolsSkipped: number;
  /** Roster records read from Clever or events applied so far (for a records/second display). */
  recordsProcessed: number;
  counts: SyncCounts;
  /** The school that just finished, when this update is about one. */
  lastSchool?: { schoolId: number; cleverSchoolId: string; status: SchoolSyncStatus };
}

export interface SyncOptions {
  /** Full sync even where an incremental one is possible. */
  full?: boolean;
  /** Compute what would change (creates/updates/archives/restores) without writing roster data. */
  dryRun?: boolean;
  /** Archive even when the mass-archive guard would hold the run. */
  force?: boolean;
  trigger?: SyncTrigger;
  /**
   * Use this run id. When a SyncRun row with this id already exists (the queue fan-out of issue 7
   * created it), the sync attaches to it: it writes its history under that id and recomputes the
   * run's totals from SyncHistory instead of creating a run.
   */
  runId?: string;
  /**
   * With `runId`: a dispatcher (src/runs, a run queued for a queue invocation) recorded that SyncRun
   * row (Running) and holds the run's leases under `leaseHolder`. The engine runs it as its own run
   * (progress and result written to the row) without creating the row or taking the run lease, and
   * takes its other leases under that holder, so the scope lease passes to it without a gap.
   */
  recordedRun?: { leaseHolder: string };
  /**
   * Beginning-of-year mode: after a full sync, hard-delete rows that stay inactive (archived
   * before `inactiveSince`; `true` = every inactive row). Implies `full`. Only when asked.
   */
  beginningOfYear?: boolean | { inactiveSince: Date };
  onProgress?: (progress: SyncProgress) => void;
}

/**
 * What a run covers. Ids are SessionDb's internal id or Clever's id (plan/selector.ts): callers at
 * the edge (HTTP, CLI, queue messages) parse them once into an IdSelector; a number or a string is
 * accepted for programmatic callers and parsed by the same rules.
 */
export type SyncTarget =
  | { scope: 'all' }
  | { scope: 'district'; districtId: IdSelector | number | string }
  | { scope: 'school'; schoolId: IdSelector | number | string };

export interface EntityPlan {
  creates: number;
  updates: number;
  restores: number;
  archives: number;
  unchanged: number;
  invalid: number;
  /** A few Clever ids per kind, for a human to check. */
  samples: { creates: string[]; updates: string[]; restores: string[]; archives: string[] };
  /** The mass-archive guard would hold this entity (archives would not happen without force). */
  wouldHold: boolean;
  holdReason?: string;
}

export interface SchoolSyncPlan {
  schoolId: number | null;
  cleverSchoolId: string;
  /** Not in SessionDb yet: a real run would register it, provision its database and full sync it. */
  newSchool: boolean;
  students: EntityPlan;
  teachers: EntityPlan;
  sections: EntityPlan;
  courses: EntityPlan;
  terms: EntityPlan;
  /** Section links a real run would add and remove. */
  enrollments: LinkChanges;
}

export interface EntitySyncResult {
  /** A roster, or `enrollments`: the section links (teachers and students of each section). */
  entity: RosterEntity | 'enrollments';
  syncType: SyncType;
  status: Exclude<SyncStatus, 'Running' | 'Abandoned' | 'PartiallySucceeded'>;
  counts: SyncCounts;
  /** Rows received that were already up to date (or skipped as unmodified). */
  unchanged: number;
  warnings: string[];
  error?: string;
  /** Beginning-of-year mode: inactive rows hard-deleted. */
  purged?: number;
  /** The mass-archive guard's reason, when it held (or, in a dry run, would hold) this roster. */
  holdReason?: string;
}

export type SchoolSyncStatus = 'Succeeded' | 'Failed' | 'Held' | 'Skipped';

export interface SchoolSyncResult {
  /** Internal id (null only for a school a dry run found that SessionDb does not know yet). */
  schoolId: number | null;
  cleverSchoolId: string;
  districtId: number | null;
  status: SchoolSyncStatus;
  syncType: SyncType;
  /** Why a full sync was chosen (e.g. `never-synced`, `requested`, `events-unavailable`). */
  reason?: string;
  entities: EntitySyncResult[];
  counts: SyncCounts;
  durationMs: number;
  error?: string;
  warnings: string[];
  /** For `Skipped`: the run id that holds the school. */
  runningRunId?: string;
  plan?: SchoolSyncPlan;
}

export interface DistrictSyncResult {
  districtId: number | null;
  cleverDistrictId: string;
  status: Exclude<SyncStatus, 'Running' | 'Abandoned'> | 'Skipped';
  /** What happened to the district's school list in SessionDb. */
  schoolChanges: SyncCounts;
  schools: SchoolSyncResult[];
  counts: SyncCounts;
  durationMs: number;
  /** Newest event id applied (or taken before a full sync); null without Events access. */
  eventsCursor: string | null;
  /** Requests-saving facts: how many schools went incremental vs full, events applied. */
  mode: { incrementalSchools: number; fullSchools: number; eventsApplied: number };
  error?: string;
  warnings: string[];
  /** For `Skipped`: the run id holding the district. */
  runningRunId?: string;
  /** Clever no longer lists the district's token: this run marked it inactive. */
  disconnected?: boolean;
}

/** What a finished run reports to telemetry: ids, status and totals, never names. */
export interface SyncRunCompletion {
  runId: string;
  trigger: SyncTrigger;
  status: Exclude<SyncStatus, 'Running'>;
  dryRun: boolean;
  durationMs: number;
  schoolsTotal: number;
  schoolsFailed: number;
  counts: SyncCounts;
  /** Per district (Clever id): alerts watch each district's last success. */
  districts: { cleverDistrictId: string; status: string; counts: SyncCounts }[];
}

export interface SyncRunResult extends SyncRunHeader {
  status: Exclude<SyncStatus, 'Running'>;
  completedAt: Date;
  durationMs: number;
  districts: DistrictSyncResult[];
  schoolsTotal: number;
  schoolsCompleted: number;
  schoolsFailed: number;
  schoolsSkipped: number;
  /** Roster rows (students, teachers, sections, courses, terms); enrollments are in `byEntity`. */
  counts: SyncCounts;
  /** Per roster and for the section links (`enrollments`). */
  byEntity: EntityCounts;
  warnings: string[];
  error?: string;
}

/** Options of `SyncService.refreshSchools`: a list refresh is never a dry run and reports no progress. */
export type SchoolRefreshOptions = Pick<SyncOptions, 'force' | 'trigger' | 'runId'>;

/** One district's school list, refreshed on its own (`SyncService.refreshSchools`). */
export interface DistrictSchoolsRefresh {
  districtId: number | null;
  cleverDistrictId: string;
  /**
   * `Held`: the mass-archive guard held archiving the missing schools. `Failed`: Clever or SessionDb
   * failed while refreshing. `Skipped`: another run has the district (`runningRunId`) or the
   * district has not authorized the app (`error`).
   */
  status: 'Succeeded' | 'Held' | 'Failed' | 'Skipped';
  /** What happened to the school list in SessionDb (as `DistrictSyncResult.schoolChanges`). */
  schoolChanges: SyncCounts;
  /**
   * Active schools to sync. When the list could not be refreshed (Failed, or another run has the
   * district), the active schools SessionDb already knows, so their rosters are not left out.
   */
  schools: SchoolRecord[];
  /** Databases of never-synced schools provisioned by this refresh. */
  provisioned: number;
  /**
   * Schools Clever stopped sharing whose rosters this refresh archived (or failed to): each wrote
   * SyncHistory rows under the run, so a run's school total counts them with `schools`.
   */
  unshared: number;
  error?: string;
  warnings: string[];
  runningRunId?: string;
}

export interface SchoolRefreshResult {
  /** The run the SyncHistory rows of the refresh were written under. */
  runId: string;
  districts: DistrictSchoolsRefresh[];
  /** Every district's `schools`, in district order. */
  schools: SchoolRecord[];
}

export interface StartedSync {
  runId: string;
  scope: SyncRunScope;
  /** Internal id of the district or school (null for `all`, or a district not yet in SessionDb). */
  scopeId: number | null;
  /** Settles when the run ends; never rejects (a crashed run resolves with status Failed). */
  done: Promise<SyncRunResult>;
}

export interface SyncService {
  /**
   * Validates the target, takes its lease and records a Running SyncRun, then runs in the
   * background. Rejects with NotFoundError (unknown district/school) or ConflictError (already
   * running; `details.runId` is the running run) before anything is synced.
   */
  start(target: SyncTarget, options?: SyncOptions): Promise<StartedSync>;
  syncAllDistricts(options?: SyncOptions): Promise<SyncRunResult>;
  syncDistrict(districtId: number | string, options?: SyncOptions): Promise<SyncRunResult>;
  syncSchool(schoolId: number | string, options?: SyncOptions): Promise<SyncRunResult>;
  /**
   * The school-list part of a run of `target`, without syncing rosters: what the queue fan-out does
   * before it enqueues one message per school. For every district in scope (`all`: the districts
   * with a token, as `syncAllDistricts` finds them) the district and its schools are read from
   * Clever and upserted, schools no longer shared are archived (guarded), never-synced schools get
   * their databases provisioned, and the active schools are returned. A `school` target re-lists
   * nothing, exactly like a run of one school, and returns that school. Writes the `districts` /
   * `schools` SyncHistory rows under `options.runId` (default: a new id). Rejects like `start`:
   * NotFoundError, or ConflictError when another run has the target.
   */
  refreshSchools(target: SyncTarget, options?: SchoolRefreshOptions): Promise<SchoolRefreshResult>;
  /** Marks Running SyncRun/SyncHistory rows whose process is gone as Abandoned. Runs before every start. */
  recoverAbandoned(): Promise<{ runs: number; history: number }>;
}
