/**
 * Operator alerts: an error-level structured log line (always) plus the injected sink, which the
 * composition root forwards to Application Insights as a custom event. A broken sink never
 * breaks a sync.
 */

import type { Logger } from '../../telemetry/index.js';
import type { SyncAlert, SyncAlertSink } from '../types.js';
import { errorForLog } from './error-text.js';

export async function emitAlert(
  logger: Logger,
  sink: SyncAlertSink | undefined,
  alert: SyncAlert,
): Promise<void> {
  const fields = { alert: alert.name, ...alert.properties, ...alert.measurements };
  if (alert.severity === 'error') logger.error(fields, alert.message);
  else logger.warn(fields, alert.message);
  if (!sink) return;
  try {
    await sink(alert);
  } catch (error) {
    logger.warn({ alert: alert.name, err: errorForLog(error) }, 'alert sink failed');
  }
}

export function schoolFailingAlert(input: {
  runId: string;
  districtId: number;
  schoolId: number;
  cleverSchoolId: string;
  consecutiveFailures: number;
  error: string;
}): SyncAlert {
  return {
    name: 'CleverSyncSchoolFailing',
    severity: 'error',
    message: `School ${input.cleverSchoolId} failed to sync ${input.consecutiveFailures} times in a row: ${input.error}`,
    properties: {
      runId: input.runId,
      districtId: String(input.districtId),
      schoolId: String(input.schoolId),
      cleverSchoolId: input.cleverSchoolId,
    },
    measurements: { consecutiveFailures: input.consecutiveFailures },
  };
}

export function districtFailingAlert(input: {
  runId: string;
  districtId: number;
  cleverDistrictId: string;
  consecutiveFailures: number;
  error: string;
}): SyncAlert {
  return {
    name: 'CleverSyncDistrictFailing',
    severity: 'error',
    message: `District ${input.cleverDistrictId} failed to sync ${input.consecutiveFailures} times in a row: ${input.error}`,
    properties: {
      runId: input.runId,
      districtId: String(input.districtId),
      cleverDistrictId: input.cleverDistrictId,
    },
    measurements: { consecutiveFailures: input.consecutiveFailures },
  };
}

export function archiveHeldAlert(input: {
  runId: string;
  districtId: number;
  schoolId: number;
  cleverSchoolId: string;
  reasons: string[];
}): SyncAlert {
  return {
    name: 'CleverSyncArchiveHeld',
    severity: 'warning',
    message: `Archiving held for school ${input.cleverSchoolId}: ${input.reasons.join('; ')}`,
    properties: {
      runId: input.runId,
      districtId: String(input.districtId),
      schoolId: String(input.schoolId),
      cleverSchoolId: input.cleverSchoolId,
    },
    measurements: {},
  };
}
