import type { Telemetry, TelemetryProperties, TraceSeverity } from './telemetry.js';

const SEVERITY_BY_LEVEL: Record<string, TraceSeverity> = {
  trace: 'Verbose',
  debug: 'Verbose',
  info: 'Information',
  warn: 'Warning',
  error: 'Error',
  fatal: 'Critical',
};

/** Fields every line has; they are not repeated as custom dimensions. */
const ENVELOPE_FIELDS = new Set(['msg', 'level', 'time', 'service', 'pid', 'hostname']);

/**
 * A createLogger sink forwarding each (already sanitized) JSON log line to Application Insights
 * as a trace: `msg` becomes the message, correlation fields (invocationId, runId, districtId,
 * schoolId, ...) become custom dimensions, nested values are kept as JSON.
 */
export function appInsightsLogSink(telemetry: Telemetry): (line: string) => void {
  return (line) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const severity = SEVERITY_BY_LEVEL[String(entry.level)] ?? 'Information';
    const properties: TelemetryProperties = {};
    for (const [key, value] of Object.entries(entry)) {
      if (ENVELOPE_FIELDS.has(key)) continue;
      properties[key] =
        typeof value === 'object' && value !== null ? JSON.stringify(value) : (value as string);
    }
    telemetry.trackTrace(
      typeof entry.msg === 'string' ? entry.msg : String(entry.event ?? ''),
      severity,
      properties,
    );
  };
}
