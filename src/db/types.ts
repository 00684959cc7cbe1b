/**
 * The storage contract the sync engine is written against. Repositories return these plain
 * objects (never Prisma models) so sync logic does not depend on which provider's generated
 * client is underneath. Implementations: src/db/session/* and src/db/school/*.
 */

import type {
  LinkChanges,
  LinkKind,
  RosterEntity,
  RosterRow,
  SectionMembers,
  SyncCounts,
  SyncEntity,
  SyncRunHeader,
  SyncStatus,
  SyncTrigger,
  SyncType,
} from '../domain/index.js';

// ---------- SessionDb ----------

export interface DistrictRecord {
  id: number;
  cleverDistrictId: string;
  name: string;
  /** Clever's `state` (running/pending/error/paused/success/"") and `last_sync`. */
  cleverState: string | null;
  cleverLastSync: Date | null;
  /** Newest Clever event id applied for this district (district-wide events stream). */
  eventsCursor: string | null;
  eventsCursorTakenAt: Date | null;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface DistrictUpsert {
  cleverDistrictId: string;
  name: string;
  cleverState?: string | null;
  cleverLastSync?: Date | null;
}

export interface SchoolRecord {
  id: number;
  districtId: number;
  cleverSchoolId: string;
  name: string;
  schoolNumber: string | null;
  sisId: string | null;
  stateId: string | null;
  ncesId: string | null;
  lowGrade: string | null;
  highGrade: string | null;
  phone: string | null;
  principalName: string | null;
  principalEmail: string | null;
  /** Clever `location` object as JSON text. */
  locationJson: string | null;
  cleverLastModified: Date | null;
  /** Key Vault secret holding the school's connection string (default `school-database-url-<cleverSchoolId>`). */
  connectionSecretName: string | null;
  databaseName: string | null;
  /** Newest Clever event id applied to this school's roster. */
  eventsCursor: string | null;
  requiresFullSync: boolean;
  isActive: boolean;
  archivedAt: Date | null;
  consecutiveFailures: number;
  lastSuccessfulSyncAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type SchoolUpsert = Pick<SchoolRecord, 'cleverSchoolId' | 'name'> &
  Partial<
    Pick<
      SchoolRecord,
      | 'schoolNumber'
      | 'sisId'
      | 'stateId'
      | 'ncesId'
      | 'lowGrade'
      | 'highGrade'
      | 'phone'
      | 'principalName'
      | 'principalEmail'
      | 'locationJson'
      | 'cleverLastModified'
    >
  >;

/** One row per (run, school, entity): what one piece of a run did. */
export interface SyncHistoryRecord {
  id: number;
  runId: string;
  districtId: number | null;
  schoolId: number | null;
  entity: SyncEntity;
  syncType: SyncType;
  status: SyncStatus;
  trigger: SyncTrigger;
  startedAt: Date;
  completedAt: Date | null;
  counts: SyncCounts;
  /** Newest Clever last_modified seen (last-modified mode) and/or the event cursor reached. */
  lastSyncTimestamp: Date | null;
  eventCursor: string | null;
  /** Sanitized: never secrets, never student PII. */
  errorSummary: string | null;
  /** JSON text: warnings such as a held mass archive. */
  warningsJson: string | null;
}

/** One row per run (a timer firing, a manual request): the status URL reads this. */
export interface SyncRunRecord extends SyncRunHeader {
  status: SyncStatus;
  completedAt: Date | null;
  schoolsTotal: number;
  schoolsCompleted: number;
  schoolsFailed: number;
  counts: SyncCounts;
  /** JSON text: per-school outcomes, dry-run plan, sanitized errors. */
  summaryJson: string | null;
  errorSummary: string | null;
}

export type LeaseResult =
  | { acquired: true; expiresAt: Date }
  | { acquired: false; holder: string; expiresAt: Date };

export interface SessionRepository {
  districts: {
    upsert(district: DistrictUpsert): Promise<DistrictRecord>;
    list(options?: { activeOnly?: boolean }): Promise<DistrictRecord[]>;
    findById(id: number): Promise<DistrictRecord | null>;
    findByCleverId(cleverDistrictId: string): Promise<DistrictRecord | null>;
    setActive(id: number, isActive: boolean): Promise<void>;
    setEventsCursor(id: number, cursor: string | null, takenAt: Date | null): Promise<void>;
  };
  schools: {
    /** Upserts a district's schools (re-activating archived ones that reappear). */
    upsertMany(
      districtId: number,
      schools: SchoolUpsert[],
    ): Promise<{ created: number; updated: number; restored: number; records: SchoolRecord[] }>;
    /** Archives the district's active schools whose Clever id is not in `keepCleverIds`. */
    archiveMissing(districtId: number, keepCleverIds: string[], at: Date): Promise<number>;
    list(options?: { districtId?: number; activeOnly?: boolean }): Promise<SchoolRecord[]>;
    findById(id: number): Promise<SchoolRecord | null>;
    findByCleverId(cleverSchoolId: string): Promise<SchoolRecord | null>;
    /**
     * Resets consecutiveFailures, sets lastSuccessfulSyncAt, clears requiresFullSync and, when
     * `cursor` is given, sets the events cursor: one write for a school's success.
     */
    recordSuccess(id: number, at: Date, cursor?: string | null): Promise<void>;
    /** Increments consecutiveFailures and returns the new value. */
    recordFailure(id: number): Promise<number>;
    setRequiresFullSync(id: number, value: boolean): Promise<void>;
    setEventsCursor(id: number, cursor: string | null): Promise<void>;
    /**
     * Schools an incremental pass found no change for: each cursor moves from `from` to `to` (when
     * `to` is newer) and success is recorded as by `recordSuccess`, in one statement per distinct
     * `from`. A school whose cursor is no longer `from` (another run moved it) is left alone.
     * Returns how many schools were updated.
     */
    advanceCursors(schools: { id: number; from: string }[], to: string | null, at: Date): Promise<number>;
    setDatabase(
      id: number,
      database: { databaseName: string | null; connectionSecretName: string | null },
    ): Promise<void>;
  };
  history: {
    start(
      row: Omit<
        SyncHistoryRecord,
        'id' | 'status' | 'completedAt' | 'counts' | 'errorSummary' | 'warningsJson'
      > & { counts?: Partial<SyncCounts> },
    ): Promise<SyncHistoryRecord>;
    complete(
      id: number,
      outcome: {
        status: Exclude<SyncStatus, 'Running'>;
        counts: SyncCounts;
        completedAt: Date;
        eventCursor?: string | null;
        lastSyncTimestamp?: Date | null;
        errorSummary?: string | null;
        warningsJson?: string | null;
      },
    ): Promise<void>;
    /** Newest Succeeded (or PartiallySucceeded) row for the school and entity. */
    lastSuccessful(schoolId: number, entity: SyncEntity): Promise<SyncHistoryRecord | null>;
    /** Newest first. */
    list(options: {
      runId?: string;
      schoolId?: number;
      districtId?: number;
      entity?: SyncEntity;
      /** Only rows in this status (recovery reads the Running ones through its index). */
      status?: SyncHistoryRecord['status'];
      limit?: number;
    }): Promise<SyncHistoryRecord[]>;
    /** Marks Running rows started before `startedBefore` as Abandoned; returns how many. */
    abandonRunning(startedBefore: Date, at: Date): Promise<number>;
  };
  runs: {
    create(run: Omit<SyncRunRecord, 'completedAt' | 'summaryJson' | 'errorSummary'>): Promise<SyncRunRecord>;
    update(runId: string, patch: Partial<Omit<SyncRunRecord, 'runId'>>): Promise<void>;
    get(runId: string): Promise<SyncRunRecord | null>;
    listRecent(limit: number): Promise<SyncRunRecord[]>;
    abandonRunning(startedBefore: Date, at: Date): Promise<number>;
  };
  /** Cross-process mutual exclusion (e.g. key `school:<id>`), stored in SessionDb with an expiry. */
  leases: {
    tryAcquire(key: string, holder: string, ttlSeconds: number): Promise<LeaseResult>;
    renew(key: string, holder: string, ttlSeconds: number): Promise<boolean>;
    release(key: string, holder: string): Promise<void>;
    /** Holders of the unexpired leases among `keys` (one read, for many keys at once). */
    holders(keys: string[]): Promise<Map<string, string>>;
  };
  /** Cheap connectivity check (SELECT 1). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// ---------- Per-school database ----------

/** What one bulk upsert did. `updated` counts rows whose data actually changed. */
export interface UpsertResult {
  created: number;
  updated: number;
  restored: number;
  unchanged: number;
}

/** A dry run's classification of rows, with a few sample Clever ids per kind. */
export interface UpsertPlan extends UpsertResult {
  samples: { created: string[]; updated: string[]; restored: string[] };
}

export interface SchoolRosterRepository {
  /**
   * Inserts or updates rows keyed by Clever id in one transaction; marks every row as seen by
   * `runId`; re-activates archived rows that reappear (counted as restored). Chunks internally.
   */
  upsert<E extends RosterEntity>(entity: E, rows: RosterRow<E>[], runId: string): Promise<UpsertResult>;
  /** Same classification as `upsert` without writing anything (dry run). */
  plan<E extends RosterEntity>(entity: E, rows: RosterRow<E>[]): Promise<UpsertPlan>;
  countActive(entity: RosterEntity): Promise<number>;
  /** Active rows not seen by `runId`: what `archiveUnseen` would archive. */
  countUnseenActive(entity: RosterEntity, runId: string): Promise<number>;
  /** Set-based: isActive=false, deactivatedAt=at for active rows not seen by `runId`. */
  archiveUnseen(entity: RosterEntity, runId: string, at: Date): Promise<number>;
  /**
   * Marks existing rows as seen by `runId` without changing them: Clever listed them, but their
   * records could not be stored (invalid), so the last good version stays and is not archived.
   */
  markSeen(entity: RosterEntity, cleverIds: string[], runId: string): Promise<void>;
  /** Archives specific rows (Clever deleted/unshared events, users who moved away). */
  archiveByCleverIds(entity: RosterEntity, cleverIds: string[], at: Date): Promise<number>;
  /** Active Clever ids in ascending order, a page at a time (dry-run archive planning). */
  iterateActiveCleverIds(entity: RosterEntity, pageSize?: number): AsyncIterable<string[]>;
  /** Beginning-of-year mode: hard-deletes rows inactive since before `inactiveSince`. */
  deleteInactive(entity: RosterEntity, inactiveSince: Date): Promise<number>;
  /** Which of these Clever ids are active rows of the entity's table. */
  activeAmong(entity: RosterEntity, cleverIds: string[]): Promise<Set<string>>;
  /** Active courses or terms that no active section uses any more (ascending Clever ids). */
  unreferenced(entity: 'courses' | 'terms'): Promise<string[]>;

  // ---------- section links (section_teachers, section_students) ----------

  /**
   * Makes each listed section's links of `kind` exactly its `memberIds`: inserts the added links
   * and deletes the removed ones (set-wise, never delete-all-and-insert; an unchanged link is not
   * written). Sections not listed are left alone. Duplicate member ids count once; a section
   * listed twice keeps its last list. `listed` counts the distinct links given. One transaction
   * per chunk of sections.
   */
  replaceSectionLinks(kind: LinkKind, sections: SectionMembers[]): Promise<LinkChanges>;
  /** Same classification as `replaceSectionLinks` without writing anything (dry run). */
  planSectionLinks(kind: LinkKind, sections: SectionMembers[]): Promise<LinkChanges>;
  /**
   * Deletes links whose section or member row exists and is inactive (archived). A section or
   * member this database has no row for keeps its links. Returns how many of each kind it deleted.
   */
  pruneLinks(): Promise<Record<LinkKind, number>>;
  countLinks(kind: LinkKind): Promise<number>;
  /** Every link of `kind`, ordered by section then member id, a page at a time. */
  iterateSectionLinks(
    kind: LinkKind,
    pageSize?: number,
  ): AsyncIterable<{ sectionId: string; memberId: string }[]>;
}

export interface SchoolDatabaseRef {
  id: number;
  cleverSchoolId: string;
  connectionSecretName: string | null;
  databaseName: string | null;
}

export interface SchoolDatabaseProvider {
  /**
   * A repository for the school's database (cached client). Migrated on first use where the app
   * may change schemas; elsewhere checked, failing with DATABASE_NOT_MIGRATED when behind.
   */
  forSchool(school: SchoolDatabaseRef): Promise<SchoolRosterRepository>;
  /**
   * Creates the school's database where the provider allows it (SQLite file, PostgreSQL), then
   * migrates or checks it as forSchool does.
   */
  provision(school: SchoolDatabaseRef): Promise<{ databaseName: string | null; created: boolean }>;
  closeIdle(): Promise<void>;
  closeAll(): Promise<void>;
}
