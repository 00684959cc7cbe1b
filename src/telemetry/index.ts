export { createAppInsightsTelemetry, createTelemetryFromConfig } from './app-insights.js';
export { appInsightsLogSink } from './log-sink.js';
export {
  type CreateLoggerOptions,
  createCapturingLogger,
  createLogger,
  type Logger,
  silentLogger,
} from './logger.js';
export { clearRegisteredSecrets, redactText, registerSecret } from './redact.js';
export { type SchoolSyncTypes, trackRateLimitWait, trackRunCompleted } from './sync-events.js';
export {
  noopTelemetry,
  sanitizeProperties,
  TELEMETRY_EVENTS,
  type Telemetry,
  type TelemetryProperties,
  type TraceSeverity,
} from './telemetry.js';
