import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  appInsightsLogSink,
  createAppInsightsTelemetry,
  createLogger,
  createTelemetryFromConfig,
  registerSecret,
  TELEMETRY_EVENTS,
} from '../../src/telemetry/index.js';
import { FAKE_APPINSIGHTS_CONNECTION_STRING, fakeAppInsights } from '../support/fake-app-insights.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('Application Insights (real applicationinsights client against a fake ingestion endpoint)', () => {
  it('is off without a connection string', async () => {
    expect(await createTelemetryFromConfig({ appInsightsConnectionString: undefined })).toBeUndefined();
  });

  it('sends events, metrics and log lines as sanitized telemetry', async () => {
    const ingestion = fakeAppInsights();
    server.use(...ingestion.handlers);
    const telemetry = await createAppInsightsTelemetry({
      connectionString: FAKE_APPINSIGHTS_CONNECTION_STRING,
    });
    const secret = 'telemetry-test-client-secret-99';
    registerSecret(secret);

    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) },
      sinks: [appInsightsLogSink(telemetry)],
    });
    logger
      .child({ invocationId: 'inv-1', runId: 'run-1', districtId: 'd-1', schoolId: 's-1' })
      .warn(
        { headers: { Authorization: 'Bearer abc.def.ghi-token' }, detail: `secret was ${secret}` },
        'sync slow',
      );
    telemetry.trackEvent(TELEMETRY_EVENTS.schoolFailing, {
      districtId: 'd-1',
      schoolId: 's-1',
      error: `Server=x;Password=${secret};`,
    });
    telemetry.trackMetric('clever.requests', 3, { districtId: 'd-1' });
    await telemetry.flush();
    await telemetry.shutdown();

    const event = ingestion.items.find((item) => item.data.baseType === 'EventData');
    expect(event?.data.baseData).toMatchObject({
      name: 'CleverSyncSchoolFailing',
      properties: { districtId: 'd-1', schoolId: 's-1' },
    });
    const trace = ingestion.items.find((item) => item.data.baseType === 'MessageData');
    expect(trace?.data.baseData).toMatchObject({
      message: 'sync slow',
      severityLevel: 'Warning',
      properties: { invocationId: 'inv-1', runId: 'run-1', districtId: 'd-1', schoolId: 's-1' },
    });
    const metric = ingestion.items.find((item) => item.data.baseType === 'MetricData');
    expect(JSON.stringify(metric)).toContain('clever.requests');

    const everything = ingestion.rawBodies.join('\n');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('abc.def.ghi-token');
    expect(lines.join('\n')).not.toContain(secret);
  });
});
