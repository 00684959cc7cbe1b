import { redactText } from './redact.js';

/** Property values as telemetry accepts them; everything is sanitized before it leaves the process. */
export type TelemetryProperties = Record<string, string | number | boolean | undefined | null>;

/**
 * Custom telemetry other modules record (events for alerts, metrics for dashboards). The
 * composition root passes one instance around: Application Insights when a connection string is
 * set, otherwise a no-op. Names of events that alerts depend on live in TELEMETRY_EVENTS.
 */
export interface Telemetry {
  readonly enabled: boolean;
  trackEvent(name: string, properties?: TelemetryProperties, measurements?: Record<string, number>): void;
  trackMetric(name: string, value: number, properties?: TelemetryProperties): void;
  /** A log line as an Application Insights trace (used by the pino sink). */
  trackTrace(message: string, severity: TraceSeverity, properties?: TelemetryProperties): void;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export type TraceSeverity = 'Verbose' | 'Information' | 'Warning' | 'Error' | 'Critical';

/** Event names that alert rules and workbooks query: change them only together with infra/. */
export const TELEMETRY_EVENTS = {
  /** A school's sync failed (properties: districtId, schoolId, errorCode). Alert: CleverSyncSchoolFailing. */
  schoolFailing: 'CleverSyncSchoolFailing',
  /** A district failed N runs in a row before its schools (sync/alerts.ts). Alert: district-failing. */
  districtFailing: 'CleverSyncDistrictFailing',
  /** The Clever auth health status changed (properties: from, to, errorCode). */
  authHealthChanged: 'CleverAuthHealthChanged',
  /**
   * A sync run finished, one per district (properties: runId, runStatus, status, districtId, trigger,
   * dryRun, syncType; measurements: counts, durationMs, fullSchools, incrementalSchools). Alerts and
   * the workbook (infra/modules/workbook.json) read it.
   */
  runCompleted: 'CleverSyncRunCompleted',
  /** The client paused a district token for Clever's rate limit (properties: districtId, reason; measurements: waitMs). */
  rateLimitWait: 'CleverRateLimitWait',
  /** Required secrets were validated at startup (properties: store, outcome). */
  secretsValidated: 'CleverSyncSecretsValidated',
} as const;

export const noopTelemetry: Telemetry = {
  enabled: false,
  trackEvent() {},
  trackMetric() {},
  trackTrace() {},
  flush: async () => {},
  shutdown: async () => {},
};

/** Strings go through redactText; values that are not strings are kept; absent ones dropped. */
export function sanitizeProperties(properties: TelemetryProperties | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (value === undefined || value === null) continue;
    result[key] = redactText(String(value));
  }
  return result;
}
