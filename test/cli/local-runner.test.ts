import { request } from 'node:http';
import { HttpResponse } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRunner, startLocalRunner } from '../../src/cli/local-runner.js';
import { compileRoute } from '../../src/cli/route-template.js';
import type { RegisteredFunction } from '../../src/functions/registry.js';
import { createCapturingLogger } from '../../src/telemetry/index.js';

const KEY = 'local-function-key-for-tests';
const MASTER = 'local-master-key-for-tests';

describe('route templates', () => {
  it('matches literals case-insensitively and captures parameters', () => {
    const route = compileRoute('sync/runs/{runId}');
    expect(route.match('sync/runs/abc-123')).toEqual({ runId: 'abc-123' });
    expect(route.match('SYNC/Runs/x')).toEqual({ runId: 'x' });
    expect(route.match('sync/runs')).toBeNull();
    expect(route.match('sync/runs/a/b')).toBeNull();
  });

  it('honours constraints, optional and catch-all parameters', () => {
    expect(compileRoute('items/{id:int}').match('items/12')).toEqual({ id: '12' });
    expect(compileRoute('items/{id:int}').match('items/abc')).toBeNull();
    expect(compileRoute('items/{id?}').match('items')).toEqual({});
    expect(compileRoute('files/{*path}').match('files/a/b%20c')).toEqual({ path: 'a/b c' });
    expect(() => compileRoute('x/{id:regex(a)}')).toThrow(/Unsupported/);
  });
});

describe('local runner', () => {
  let runner: LocalRunner;
  const timerCalls: string[] = [];
  const queueInputs: unknown[] = [];
  const { logger, lines } = createCapturingLogger();

  const functions: RegisteredFunction[] = [
    {
      kind: 'http',
      name: 'Echo',
      options: {
        route: 'echo/{name}',
        methods: ['POST'],
        authLevel: 'function',
        handler: async (request) => ({
          status: 201,
          jsonBody: {
            name: request.params.name,
            flag: request.query.get('flag'),
            body: await request.text(),
            host: new URL(request.url).host,
          },
        }),
      },
    },
    {
      kind: 'http',
      name: 'Open',
      options: {
        route: 'open',
        methods: ['GET'],
        authLevel: 'anonymous',
        handler: async () => new HttpResponse({ status: 200, body: 'plain', headers: { 'x-test': '1' } }),
      },
    },
    {
      kind: 'http',
      name: 'AdminOnly',
      options: {
        route: 'secret',
        methods: ['GET'],
        authLevel: 'admin',
        handler: async () => ({ status: 204 }),
      },
    },
    {
      kind: 'timer',
      name: 'Nightly',
      options: {
        schedule: '0 0 2 * * *',
        handler: async (timer, context) => {
          timerCalls.push(`${context.functionName}:${timer.isPastDue}`);
        },
      },
    },
    {
      kind: 'storageQueue',
      name: 'Drain',
      options: {
        queueName: 'q',
        connection: 'AzureWebJobsStorage',
        handler: async (entry) => {
          queueInputs.push(entry);
        },
      },
    },
  ];

  beforeAll(async () => {
    // The host's default prefix; this package's host.json removes it (tested below).
    runner = await startLocalRunner({
      functions,
      functionKey: KEY,
      masterKey: MASTER,
      routePrefix: 'api',
      port: 0,
      logger,
    });
  });
  afterAll(async () => {
    await runner?.close();
  });

  it('serves HTTP functions under /api with route params, query and body', async () => {
    const response = await fetch(`${runner.url}/api/echo/Ada?flag=on`, {
      method: 'POST',
      headers: { 'x-functions-key': KEY },
      body: 'hello',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({
      name: 'Ada',
      flag: 'on',
      body: 'hello',
      host: `127.0.0.1:${runner.port}`,
    });
  });

  it('accepts the key as ?code= as the host does', async () => {
    const response = await fetch(`${runner.url}/api/echo/x?code=${KEY}`, { method: 'POST' });
    expect(response.status).toBe(201);
  });

  it('answers 401 without a key or with a wrong one, never echoing keys', async () => {
    for (const headers of [{}, { 'x-functions-key': 'wrong-key' }] as Record<string, string>[]) {
      const response = await fetch(`${runner.url}/api/echo/x`, { method: 'POST', headers });
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).toMatch(/function key/);
      expect(text).not.toContain('wrong-key');
      expect(text).not.toContain(KEY);
    }
  });

  it('lets anonymous routes through and passes HttpResponse objects on', async () => {
    const response = await fetch(`${runner.url}/api/open`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-test')).toBe('1');
    expect(await response.text()).toBe('plain');
  });

  it('requires the master key for admin-level routes', async () => {
    expect((await fetch(`${runner.url}/api/secret`, { headers: { 'x-functions-key': KEY } })).status).toBe(
      401,
    );
    expect((await fetch(`${runner.url}/api/secret`, { headers: { 'x-functions-key': MASTER } })).status).toBe(
      204,
    );
  });

  it('answers 404 for unknown routes and 405 for a wrong method', async () => {
    expect((await fetch(`${runner.url}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${runner.url}/elsewhere`)).status).toBe(404);
    const wrongMethod = await fetch(`${runner.url}/api/echo/x`, { headers: { 'x-functions-key': KEY } });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('fires a timer on demand through the admin API (master key only)', async () => {
    const denied = await fetch(`${runner.url}/admin/functions/Nightly`, {
      method: 'POST',
      headers: { 'x-functions-key': KEY },
    });
    expect(denied.status).toBe(401);

    const response = await fetch(`${runner.url}/admin/functions/Nightly`, {
      method: 'POST',
      headers: { 'x-functions-key': MASTER, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ functionName: 'Nightly' });
    await runner.idle();
    expect(timerCalls).toEqual(['Nightly:false']);
  });

  it('delivers an admin-posted queue message as the host would (parsed JSON)', async () => {
    const response = await fetch(`${runner.url}/admin/functions/Drain`, {
      method: 'POST',
      headers: { 'x-functions-key': MASTER },
      body: JSON.stringify({ input: JSON.stringify({ schoolId: 3 }) }),
    });
    expect(response.status).toBe(202);
    await runner.idle();
    expect(queueInputs).toEqual([{ schoolId: 3 }]);
  });

  it('lists registrations on GET /admin/functions without handlers', async () => {
    const response = await fetch(`${runner.url}/admin/functions`, { headers: { 'x-functions-key': MASTER } });
    const body = (await response.json()) as { name: string; handler?: unknown }[];
    expect(body.map((f) => f.name)).toEqual(['Echo', 'Open', 'AdminOnly', 'Nightly', 'Drain']);
    expect(body.every((f) => f.handler === undefined)).toBe(true);
  });

  /** A request exactly as written (fetch would normalise the URL and refuses to set Host). */
  function rawRequest(method: string, path: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: runner.port, method, path, headers, setHost: !('host' in headers) },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('answers 400 to a Host header that is not a host name, as the Functions host does', async () => {
    for (const host of ['bad host', 'example.org:99999', 'a/b', 'x@y']) {
      const response = await rawRequest('POST', '/api/echo/x', { host, 'x-functions-key': KEY });
      expect(response.status, host).toBe(400);
      expect(JSON.parse(response.body)).toEqual({
        error: { code: 'BAD_REQUEST', message: 'Invalid Host header' },
      });
    }
    // A well-formed Host header reaches the handler in the request URL.
    const ok = await rawRequest('POST', '/api/echo/x', {
      host: 'clever-sync.local:7071',
      'x-functions-key': KEY,
    });
    expect(ok.status).toBe(201);
    expect(JSON.parse(ok.body)).toMatchObject({ host: 'clever-sync.local:7071' });
  });

  it('answers 400 to a malformed %-escape in the path or the query string', async () => {
    const headers = { 'x-functions-key': MASTER };
    for (const [method, path] of [
      ['POST', '/api/echo/%E0%A4%A'],
      ['POST', '/api/echo/x?flag=%zz'],
      ['POST', '/admin/functions/%zz'],
      ['GET', '/api/open?%E0'],
    ] as const) {
      const response = await rawRequest(method, path, headers);
      expect(response.status, path).toBe(400);
      expect(JSON.parse(response.body).error.message).toBe('Malformed %-escape in the request URL');
    }
  });

  it('keeps a request target starting with // on this host', async () => {
    const response = await rawRequest('GET', '//elsewhere/api/open');
    expect(response.status).toBe(404);
  });

  it('never logs the keys', () => {
    expect(lines.join('\n')).not.toContain(KEY);
    expect(lines.join('\n')).not.toContain(MASTER);
  });
});

describe('local runner route prefix (host.json extensions.http.routePrefix)', () => {
  const { logger } = createCapturingLogger();
  const functions: RegisteredFunction[] = [
    {
      kind: 'http',
      name: 'Probe',
      options: {
        route: 'health/probe',
        methods: ['GET'],
        authLevel: 'anonymous',
        handler: async () => ({ status: 204 }),
      },
    },
  ];

  it.each([
    ['v1', '/v1/health/probe', ['/health/probe', '/api/health/probe']],
    ['', '/health/probe', ['/api/health/probe', '/v1/health/probe']],
    ['api', '/API/health/probe', ['/health/probe']],
  ])('prefix "%s" serves %s and nothing else', async (routePrefix, served, notServed) => {
    const runner = await startLocalRunner({ functions, functionKey: KEY, routePrefix, port: 0, logger });
    try {
      expect((await fetch(`${runner.url}${served}`)).status).toBe(204);
      for (const path of notServed) expect((await fetch(`${runner.url}${path}`)).status, path).toBe(404);
    } finally {
      await runner.close();
    }
  });
});
