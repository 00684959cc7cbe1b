import { loadConfigSync, type RawSettings, SETTINGS } from '../config/index.js';
import { checkSchedule, DEFAULT_TIMER_SCHEDULE } from '../runs/index.js';
import { createLogger, type Logger } from '../telemetry/index.js';

/**
 * Settings a trigger binds at registration, before the composition root exists: the timer's
 * schedule and the queues' names. Read from the environment (app settings), not App Configuration.
 * A bad value is logged by name and the default used, so one typo cannot stop every other function
 * from being indexed; the full configuration error surfaces on the first invocation.
 */
export interface RegistrationSettings {
  timerSchedule: string;
  queueName: string;
  runQueueName: string;
}

const DEFAULT_QUEUE_NAME = SETTINGS.SYNC_QUEUE_NAME.schema.parse(undefined) as string;
const DEFAULT_RUN_QUEUE_NAME = SETTINGS.SYNC_RUN_QUEUE_NAME.schema.parse(undefined) as string;

/** `env` defaults to the process environment (inside config); tests pass their own. */
export function registrationSettings(env?: RawSettings, logger?: Logger): RegistrationSettings {
  let timerSchedule = DEFAULT_TIMER_SCHEDULE;
  let queueName = DEFAULT_QUEUE_NAME;
  let runQueueName = DEFAULT_RUN_QUEUE_NAME;
  try {
    const config = loadConfigSync(env);
    timerSchedule = config.sync.timerSchedule;
    queueName = config.sync.queueName;
    runQueueName = config.sync.runQueueName;
  } catch {
    // Invalid configuration: the defaults register, the invocation reports the ConfigError.
  }
  const check = checkSchedule(timerSchedule);
  if (!check.ok) {
    (logger ?? createLogger()).error(
      { problem: check.problem },
      `invalid timer schedule; using ${DEFAULT_TIMER_SCHEDULE}`,
    );
    timerSchedule = DEFAULT_TIMER_SCHEDULE;
  }
  return { timerSchedule, queueName, runQueueName };
}
