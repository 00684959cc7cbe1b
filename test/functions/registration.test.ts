import { readFileSync } from 'node:fs';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { listFunctionsHandler } from '../../src/functions/function-list.js';
import { hostRoutePrefix, routePath, routePrefixOf } from '../../src/functions/host-routes.js';
import { MAX_DEQUEUE_COUNT } from '../../src/functions/queue-invocation.js';
import { registrationSettings } from '../../src/functions/registration-settings.js';
import { registeredFunctions } from '../../src/functions/registry.js';
import '../../src/functions/sync-queue.js';
import '../../src/functions/sync-run-queue.js';
import '../../src/functions/health.js';
import '../../src/functions/manual-sync.js';
import '../../src/functions/sync-timer.js';
import { checkSchedule } from '../../src/runs/schedule.js';
import { createCapturingLogger } from '../../src/telemetry/index.js';

const byName = (name: string) => registeredFunctions().find((fn) => fn.name === name);

describe('function registrations', () => {
  it('registers the nightly timer at 02:00 UTC by default, never on start-up', () => {
    const timer = byName('SyncTimerFunction');
    expect(timer?.kind).toBe('timer');
    if (timer?.kind !== 'timer') return;
    expect(timer.options.schedule).toBe('0 0 2 * * *');
    expect(timer.options.runOnStartup).toBe(false);
  });

  it('registers the manual sync and run status routes behind a function key', () => {
    const manual = byName('ManualSyncFunction');
    const status = byName('SyncRunStatusFunction');
    expect(manual).toMatchObject({
      kind: 'http',
      options: { route: 'api/sync', methods: ['POST'], authLevel: 'function' },
    });
    expect(status).toMatchObject({
      kind: 'http',
      options: { route: 'api/sync/runs/{runId}', methods: ['GET'], authLevel: 'function' },
    });
    expect(byName('ListFunctions')).toMatchObject({
      kind: 'http',
      options: { route: 'api/functions', methods: ['GET'], authLevel: 'function' },
    });
  });

  it('registers the queue trigger on the host storage connection and the configured queue', () => {
    const queue = byName('SyncQueueFunction');
    expect(queue).toMatchObject({
      kind: 'storageQueue',
      options: { queueName: 'clever-sync-schools', connection: 'AzureWebJobsStorage' },
    });
  });

  it('registers the run queue trigger (queued-run mode) on the host storage connection', () => {
    expect(byName('SyncRunQueueFunction')).toMatchObject({
      kind: 'storageQueue',
      options: { queueName: 'clever-sync-runs', connection: 'AzureWebJobsStorage' },
    });
    expect(registrationSettings({ SYNC_RUN_QUEUE_NAME: 'nightly-runs' }).runQueueName).toBe('nightly-runs');
  });

  it('knows the attempt after which host.json sends a message to the poison queue', () => {
    const host = JSON.parse(readFileSync('host.json', 'utf8')) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(MAX_DEQUEUE_COUNT).toBe(host.extensions.queues.maxDequeueCount);
  });

  it('lists every function with its trigger, route and schedule, and nothing secret', async () => {
    const response = await listFunctionsHandler(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/functions' }),
      new InvocationContext({}),
    );
    expect(response.status).toBe(200);
    const { functions } = response.jsonBody as { functions: Record<string, unknown>[] };
    expect(functions).toContainEqual({
      name: 'ManualSyncFunction',
      trigger: 'http',
      route: '/api/sync',
      methods: ['POST'],
      authLevel: 'function',
    });
    expect(functions).toContainEqual({
      name: 'SyncRunStatusFunction',
      trigger: 'http',
      route: '/api/sync/runs/{runId}',
      methods: ['GET'],
      authLevel: 'function',
    });
    expect(functions).toContainEqual({
      name: 'SyncTimerFunction',
      trigger: 'timer',
      schedule: '0 0 2 * * *',
      runOnStartup: false,
    });
    expect(functions).toContainEqual({
      name: 'SyncQueueFunction',
      trigger: 'storageQueue',
      queueName: 'clever-sync-schools',
    });
    expect(JSON.stringify(functions)).not.toMatch(/connection|AzureWebJobsStorage|handler/);
  });

  it('lists the health check at the promised path and at the earlier /api path', async () => {
    const response = await listFunctionsHandler(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/functions' }),
      new InvocationContext({}),
    );
    const routes = (response.jsonBody as { functions: { route?: string }[] }).functions.map((f) => f.route);
    expect(routes).toEqual(
      expect.arrayContaining(['/health/clever-auth', '/api/health/clever-auth', '/api/health/live']),
    );
  });
});

describe('host.json routing', () => {
  const hostJson = readFileSync('host.json', 'utf8');

  it('removes the route prefix, so each route spells its own (`api/sync`, `health/clever-auth`)', () => {
    expect(routePrefixOf(hostJson)).toBe('');
    expect(hostRoutePrefix()).toBe('');
  });

  it('combines the prefix and a route the way the host does', () => {
    expect(routePrefixOf('{"version": "2.0"}')).toBe('api');
    expect(routePrefixOf('{"extensions": {"http": {"routePrefix": "/v1/"}}}')).toBe('v1');
    expect(routePath('sync', 'api')).toBe('/api/sync');
    expect(routePath('api/sync', '')).toBe('/api/sync');
    expect(routePath('health/clever-auth', '')).toBe('/health/clever-auth');
    expect(() => routePrefixOf('{"extensions": {"http": {"routePrefix": 1}}}')).toThrow(/must be a string/);
  });
});

describe('timer schedule', () => {
  it('accepts six-field NCRONTAB and computes the next run in UTC', () => {
    const check = checkSchedule('0 30 1 * * *', new Date('2025-03-01T02:00:00Z'));
    expect(check).toEqual({ ok: true, next: new Date('2025-03-02T01:30:00Z') });
  });

  it('rejects five-field cron and impossible values by name', () => {
    expect(checkSchedule('0 2 * * *')).toMatchObject({ ok: false, problem: /six fields/ });
    expect(checkSchedule('0 0 25 * * *')).toMatchObject({
      ok: false,
      problem: /SYNC_TIMER_SCHEDULE "0 0 25 \* \* \*"/,
    });
  });

  it('registers the configured schedule, and the default (with an error log) when it is invalid', () => {
    const { logger, lines } = createCapturingLogger();
    expect(registrationSettings({ SYNC_TIMER_SCHEDULE: '0 15 3 * * 1-5' }, logger).timerSchedule).toBe(
      '0 15 3 * * 1-5',
    );
    expect(registrationSettings({ SYNC_TIMER_SCHEDULE: 'every night' }, logger).timerSchedule).toBe(
      '0 0 2 * * *',
    );
    expect(lines.join('\n')).toMatch(/SYNC_TIMER_SCHEDULE must have six fields/);
    expect(registrationSettings({ SYNC_QUEUE_NAME: 'nightly-schools' }, logger).queueName).toBe(
      'nightly-schools',
    );
  });
});
