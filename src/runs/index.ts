/** The public surface of src/runs: other folders import from here only. */
export { createSyncLauncher, type SyncLauncher } from './launcher.js';
export { createQueueFanOut } from './queue-fan-out.js';
export { parseSchoolSyncMessage } from './queue-message.js';
export { processSchoolMessage } from './queue-worker.js';
export type { QueueInvocationDeps } from './recorded-run.js';
export { createRunDispatcher } from './run-dispatch.js';
export { parseRunMessage } from './run-message.js';
export { RUN_ID_PATTERN, statusPath, toRunView } from './run-view.js';
export { processRunMessage } from './run-worker.js';
export { checkSchedule, DEFAULT_TIMER_SCHEDULE } from './schedule.js';
export { createQueueClient, createRunQueue, createSchoolQueue } from './school-queue.js';
export { parseSyncQuery, parseSyncRequest } from './sync-request.js';
