import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveHeldAlert, districtFailingAlert, schoolFailingAlert } from '../../src/sync/report/alerts.js';
import { trackRateLimitWait, trackRunCompleted } from '../../src/telemetry/sync-events.js';
import { TELEMETRY_EVENTS } from '../../src/telemetry/telemetry.js';
import { recordingTelemetry } from '../support/recording.js';
import { at, checkTemplate, literalString, loadTemplate, render } from './bicep.js';

const ROOT = resolve(import.meta.dirname, '../..');
const INFRA = resolve(ROOT, 'infra');
const main = loadTemplate(resolve(INFRA, 'main.bicep'));
const module = loadTemplate(resolve(INFRA, 'modules/workbook.bicep'));
const workbook = JSON.parse(readFileSync(resolve(INFRA, 'modules/workbook.json'), 'utf8')) as {
  version: string;
  items: { type: number; name: string; content: Record<string, unknown> }[];
};
const queries = workbook.items
  .filter((item) => item.type === 3)
  .map((item) => ({ name: item.name, title: String(item.content.title), query: String(item.content.query) }));

interface Emitted {
  properties: Set<string>;
  measurements: Set<string>;
}

/**
 * What the app really sends, per custom event: the telemetry functions and alert builders are run
 * and their events recorded, so a property the code stops emitting breaks the workbook's test.
 */
function emittedEvents(): Map<string, Emitted> {
  const { telemetry, events: recorded } = recordingTelemetry();
  const counts = { processed: 1, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 };
  const run = {
    runId: 'r',
    trigger: 'timer',
    status: 'Succeeded',
    dryRun: false,
    durationMs: 1,
    schoolsTotal: 1,
    schoolsFailed: 0,
    counts,
  };
  trackRunCompleted(telemetry, {
    ...run,
    districts: [
      { cleverDistrictId: 'd', status: 'Succeeded', counts, schoolSyncTypes: { full: 1, incremental: 0 } },
    ],
  });
  trackRunCompleted(telemetry, { ...run, districts: [] });
  trackRateLimitWait(telemetry, { districtId: 'd', reason: 'rate-limited', waitMs: 1 });
  // The composition root forwards alerts as events with their properties and measurements (src/app.ts).
  const ids = { runId: 'r', districtId: 1, schoolId: 1, cleverSchoolId: 's', cleverDistrictId: 'd' };
  for (const alert of [
    schoolFailingAlert({ ...ids, consecutiveFailures: 3, error: 'e' }),
    districtFailingAlert({ ...ids, consecutiveFailures: 3, error: 'e' }),
    archiveHeldAlert({ ...ids, reasons: ['r'] }),
  ]) {
    telemetry.trackEvent(alert.name, alert.properties, alert.measurements);
  }
  const events = new Map<string, Emitted>();
  for (const event of recorded) {
    const seen = events.get(event.name) ?? { properties: new Set(), measurements: new Set() };
    for (const key of Object.keys(event.properties)) seen.properties.add(key);
    for (const key of Object.keys(event.measurements)) seen.measurements.add(key);
    events.set(event.name, seen);
  }
  return events;
}

const emitted = emittedEvents();

describe('infra/ workbook', () => {
  it('is deployed by main.bicep on the Application Insights the app sends to', () => {
    expect(checkTemplate(resolve(INFRA, 'main.bicep'))).toEqual([]);
    const decl = main.modules.find((m) => m.name === 'workbook');
    expect(decl?.path).toBe('modules/workbook.bicep');
    expect(render(at(decl!.body, 'params.appInsightsId')!)).toBe('monitoring.outputs.appInsightsId');
    const resource = module.resources.find((r) => r.type === 'Microsoft.Insights/workbooks');
    expect(resource).toBeDefined();
    expect(literalString(at(resource!.body, 'kind'))).toBe('shared');
    expect(render(at(resource!.body, 'properties.sourceId')!)).toBe('appInsightsId');
    expect(render(at(resource!.body, 'properties.serializedData')!)).toBe(
      "string(union(loadJsonContent('workbook.json'), linkedResource))",
    );
    expect(render(at(resource!.body, 'name')!)).toMatch(/^guid\(/);
  });

  it('draws the pictures operators asked for', () => {
    expect(workbook.version).toBe('Notebook/1.0');
    expect(queries.map((q) => q.name)).toEqual([
      'runs-by-status',
      'duration-and-records',
      'failing-and-held-schools',
      'districts',
      'rate-limit-waits',
      'incremental-vs-full',
    ]);
    for (const item of workbook.items.filter((i) => i.type === 3)) {
      // Every picture follows the time range picker.
      expect(item.content.timeContextFromParameter, item.name).toBe('TimeRange');
    }
  });

  it.each(queries)('$name reads only events and properties the app emits', ({ query }) => {
    const names = [...query.matchAll(/"(Clever[A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect([...emitted.keys()], `event ${name}`).toContain(name);
    const read = [...new Set(names)].map((name) => emitted.get(name)!);
    for (const [, property] of query.matchAll(/customDimensions\.([A-Za-z]+)/g)) {
      expect(
        read.some((e) => e.properties.has(property!)),
        `customDimensions.${property} is sent with ${names.join(' or ')}`,
      ).toBe(true);
    }
    for (const [, measurement] of query.matchAll(/customMeasurements\.([A-Za-z]+)/g)) {
      expect(
        read.some((e) => e.measurements.has(measurement!)),
        `customMeasurements.${measurement} is sent with ${names.join(' or ')}`,
      ).toBe(true);
    }
    expect(query).toMatch(/^customEvents\n/);
  });

  it('reads every event the alert rules and TELEMETRY_EVENTS name for runs, schools and rate limits', () => {
    const all = queries.map((q) => q.query).join('\n');
    for (const name of [
      TELEMETRY_EVENTS.runCompleted,
      TELEMETRY_EVENTS.schoolFailing,
      TELEMETRY_EVENTS.districtFailing,
      TELEMETRY_EVENTS.rateLimitWait,
      'CleverSyncArchiveHeld',
    ]) {
      expect(all).toContain(`"${name}"`);
    }
    // Incremental vs full reads the sync types the run reporter adds.
    expect(queries.find((q) => q.name === 'incremental-vs-full')?.query).toContain(
      'customMeasurements.incrementalSchools',
    );
  });
});
