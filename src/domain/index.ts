/** Types and pure helpers every layer shares (docs/architecture.md, "Domain"). */
export type { RosterEntity, RosterRow, StudentRow, TeacherRow } from './roster.js';
export {
  addCounts,
  type SyncCounts,
  type SyncEntity,
  type SyncRunHeader,
  type SyncRunScope,
  type SyncStatus,
  type SyncTrigger,
  type SyncType,
  sumCounts,
  zeroCounts,
} from './runs.js';
