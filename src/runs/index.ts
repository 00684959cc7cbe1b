/** The public surface of src/runs: other folders import from here only. */

export { cliForceHint, districtHeldReasons, httpForceHint, needsAttention } from './attention.js';
export { createSyncLauncher, type SyncLauncher } from './launcher.js';
export { createQueueFanOut } from './queue-fan-out.js';
export { parseSchoolSyncMessage } from './queue-message.js';
export { processSchoolMessage } from './queue-worker.js';
export type { QueueInvocationDeps } from './recorded-run.js';
export { createRunCompletedReporter } from './run-completed-reporter.js';
export { createRunDispatcher } from './run-dispatch.js';
export { parseRunMessage } from './run-message.js';
export { loadRunView, outcomeFromSummary, RUN_ID_PATTERN, type RunView, statusPath } from './run-view.js';
export { processRunMessage } from './run-worker.js';
export { checkSchedule, DEFAULT_TIMER_SCHEDULE } from './schedule.js';
export { createQueueClient, createRunQueue, createSchoolQueue } from './school-queue.js';
export { parseSyncQuery, parseSyncRequest } from './sync-request.js';
