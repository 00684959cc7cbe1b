import { redactText } from './redact.js';
import {
  sanitizeProperties,
  type Telemetry,
  type TelemetryProperties,
  type TraceSeverity,
} from './telemetry.js';

/**
 * Application Insights through applicationinsights v3 (OpenTelemetry underneath). The client is
 * isolated (`useGlobalProviders: false`): nothing is auto-collected, so every item reaching
 * Application Insights has passed through this module's sanitization. The Functions host already
 * records requests and invocations; this adds the app's logs, events and metrics.
 *
 * The package is imported only here, on demand: loading it (OpenTelemetry SDK) takes seconds,
 * which a worker without a connection string should not pay at cold start.
 */
export async function createAppInsightsTelemetry(options: {
  connectionString: string;
  roleName?: string;
}): Promise<Telemetry> {
  const { TelemetryClient } = await import('applicationinsights');
  const client = new TelemetryClient(options.connectionString, { useGlobalProviders: false });
  const common = { service: options.roleName ?? 'clever-sync' };

  return {
    enabled: true,
    trackEvent(name, properties, measurements) {
      client.trackEvent({ name, properties: { ...common, ...sanitizeProperties(properties) }, measurements });
    },
    trackMetric(name, value, properties) {
      client.trackMetric({ name, value, properties: { ...common, ...sanitizeProperties(properties) } });
    },
    trackTrace(message: string, severity: TraceSeverity, properties?: TelemetryProperties) {
      client.trackTrace({
        message: redactText(message),
        severity,
        properties: { ...common, ...sanitizeProperties(properties) },
      });
    },
    flush: () => client.flush(),
    shutdown: () => client.shutdown(),
  };
}

/** Application Insights when configured, otherwise undefined (callers fall back to noopTelemetry). */
export async function createTelemetryFromConfig(config: {
  appInsightsConnectionString: string | undefined;
}): Promise<Telemetry | undefined> {
  return config.appInsightsConnectionString
    ? createAppInsightsTelemetry({ connectionString: config.appInsightsConnectionString })
    : undefined;
}
