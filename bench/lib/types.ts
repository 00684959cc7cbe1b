/** Shapes exchanged between the orchestrator (bench/run.ts), the emulator child and the workers. */
import type { SchoolRole, UserRecord } from '../../emulator/types.js';

export type Provider = 'sqlite' | 'postgresql';

export interface EmulatorShape {
  seed: string;
  schools: number;
  studentsPerSchool: number;
  teachersPerSchool: number;
  multiSchoolShare: number;
  /** Generate classes (sections, courses, terms). Unset or false: students and teachers only. */
  sections?: boolean;
}

export interface EmulatorEndpoint {
  baseUrl: string;
  tokensUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface EmulatorInfo extends EmulatorEndpoint {
  districtId: string;
  /**
   * Each school's roster as Clever lists it (multi-school users appear in every school), and its
   * class rosters (0 when the shape has no sections).
   */
  schools: {
    id: string;
    students: number;
    teachers: number;
    sections: number;
    courses: number;
    terms: number;
  }[];
  /** Distinct students and teachers in the district. */
  users: number;
  /** The district's sections and their enrollments (teacher and student links). */
  classes: { sections: number; enrollments: number };
}

export interface ChangedUser {
  kind: 'update' | 'create' | 'delete' | 'move';
  role: SchoolRole;
  /** The record after the change (absent for deletes). */
  record?: UserRecord;
  cleverId?: string;
  /** Schools that list the user after the change. */
  schoolIds: string[];
  /** Schools that no longer list the user (deletes, moves). */
  leftSchoolIds: string[];
}

export interface ChangeSet {
  counts: { updates: number; creates: number; deletes: number; moves: number };
  changes: ChangedUser[];
}

interface JobBase {
  emulator: EmulatorEndpoint;
  /** Where the measured process writes its log lines (kept out of the terminal). */
  logFile: string;
}

/** The product: createAppServices + createSyncServices + SyncService.syncAllDistricts. */
export interface SyncJob extends JobBase {
  kind: 'sync';
  sessionUrl: string;
  schoolUrlTemplate: string;
  pageSize: number;
  concurrency: number;
  full: boolean;
  /** SYNC_ENTITIES (unset: the product's default, every roster). */
  entities?: string[];
}

/** Floor: fetch every page the sync needs, write nothing, same client and concurrency. */
export interface ApiFloorJob extends JobBase {
  kind: 'api-floor';
  pageSize: number;
  concurrency: number;
  /** Incremental: read the district's events after this cursor instead of every roster. */
  events?: { startingAfter: string | null };
  /** Read the class listings (sections, courses, terms) too; default: the user listings only. */
  classRosters?: boolean;
}

/** Floor: the raw driver's fastest bulk write of the same rows (rows gathered before the clock starts). */
export interface DbFloorJob extends JobBase {
  kind: 'db-floor';
  provider: Provider;
  schoolUrlTemplate: string;
  concurrency: number;
  /** insert: every roster row into empty tables; changes: upsert/archive what the change set touched. */
  rows: { mode: 'insert' } | { mode: 'changes'; changes: ChangedUser[] };
}

/** Baseline: what a user writes first (bench/baseline/naive-sync.ts). */
export interface BaselineJob extends JobBase {
  kind: 'baseline';
  schoolUrlTemplate: string;
  pageSize: number;
  /** Sync only these schools (a measured subset; the orchestrator extrapolates). */
  schoolIds?: string[];
}

export type Job = SyncJob | ApiFloorJob | DbFloorJob | BaselineJob;

export interface JobResult {
  wallMs: number;
  /** Clever records read (roster users, or events). */
  records: number;
  /** Rows created, updated, archived or restored in school databases. */
  rowsWritten: number;
  /** As the measured process counted them (the emulator's own count is taken by the orchestrator). */
  clientRequests: number | null;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  /** RSS when the timed section started, and the process's peak RSS (bytes). */
  rssStartBytes: number;
  peakRssBytes: number;
  ok: boolean;
  error?: string;
  detail?: Record<string, unknown>;
}
