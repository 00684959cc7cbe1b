/**
 * A stand-in for a deployed clever-sync Function App on loopback: the routes the post-deploy
 * validation calls, a function-key check like the Functions host's (401 with an empty body), and
 * scripted answers. It stands in until the project's local runner (`npm run serve`) can be
 * started from tests; the validation tests then switch to it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeAppScript {
  key: string;
  /** One answer, or successive answers (the last one repeats). */
  health?: Scripted | Scripted[];
  functions?: Scripted;
  /** Answer to POST /api/sync; a function gets the app's base URL (to build a statusUrl). */
  sync?: Scripted | ((baseUrl: string) => Scripted);
  /** Successive answers of GET /api/sync/runs/{runId}; the last one repeats. */
  runs?: Scripted[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  key: string | undefined;
}

export interface FakeApp {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Shapes as src/health/clever-auth-health.ts and src/functions/function-list.ts answer them. */
export const HEALTHY: Scripted = {
  status: 200,
  body: {
    status: 'healthy',
    reasons: [],
    mode: 'district-tokens',
    checkedAt: '2026-01-15T02:00:04.000Z',
    lastSuccessfulAuthenticationAt: '2026-01-15T02:00:04.000Z',
    lastError: null,
    districts: { count: 2, disconnected: [] },
    keyVault: { state: 'available' },
    refreshIntervalSeconds: 30,
  },
};

export const FUNCTION_LIST: Scripted = {
  status: 200,
  body: {
    functions: [
      {
        name: 'HealthCleverAuth',
        trigger: 'http',
        route: '/api/health/clever-auth',
        methods: ['GET'],
        authLevel: 'function',
      },
      {
        name: 'HealthCleverAuthRoot',
        trigger: 'http',
        route: '/health/clever-auth',
        methods: ['GET'],
        authLevel: 'function',
      },
      {
        name: 'HealthLive',
        trigger: 'http',
        route: '/api/health/live',
        methods: ['GET'],
        authLevel: 'anonymous',
      },
      {
        name: 'ListFunctions',
        trigger: 'http',
        route: '/api/functions',
        methods: ['GET'],
        authLevel: 'function',
      },
      {
        name: 'ManualSyncFunction',
        trigger: 'http',
        route: '/api/sync',
        methods: ['POST'],
        authLevel: 'function',
      },
      {
        name: 'SyncRunStatusFunction',
        trigger: 'http',
        route: '/api/sync/runs/{runId}',
        methods: ['GET'],
        authLevel: 'function',
      },
      { name: 'SyncRunQueueFunction', trigger: 'storageQueue', queueName: 'clever-sync-runs' },
      { name: 'SyncTimerFunction', trigger: 'timer', schedule: '0 0 2 * * *', runOnStartup: false },
    ],
  },
};

export const ACCEPTED_RUN = (runId = 'run-0001'): Scripted => ({
  status: 202,
  body: { runId, statusUrl: `/api/sync/runs/${runId}` },
});

/** A run view as GET /api/sync/runs/{runId} answers it (src/runs/run-view.ts), trimmed. */
export const runStatus = (status: string, extra: Record<string, unknown> = {}): Scripted => ({
  status: 200,
  body: {
    runId: 'run-0001',
    status,
    finished: status !== 'Running',
    scope: 'school',
    trigger: 'http',
    full: false,
    dryRun: true,
    counts: { processed: 0, created: 0, updated: 0, archived: 0, restored: 0, failed: 0, invalid: 0 },
    error: null,
    statusUrl: '/api/sync/runs/run-0001',
    ...extra,
  },
});

export async function startFakeFunctionApp(script: FakeAppScript): Promise<FakeApp> {
  const requests: RecordedRequest[] = [];
  let runPolls = 0;
  let healthPolls = 0;
  let baseUrl = '';

  const send = (res: ServerResponse, answer: Scripted) => {
    // A string body is sent as it is (an HTML error page); anything else as JSON.
    const html = typeof answer.body === 'string';
    const body = answer.body === undefined ? '' : html ? String(answer.body) : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': html ? 'text/html' : 'application/json',
      ...answer.headers,
    });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const key = req.headers['x-functions-key'];
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      key: typeof key === 'string' ? key : undefined,
    });
    if (key !== script.key) {
      res.writeHead(401);
      res.end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/health/clever-auth') {
      const answers = [script.health ?? HEALTHY].flat();
      return send(res, answers[Math.min(healthPolls++, answers.length - 1)]!);
    }
    if (req.method === 'GET' && url.pathname === '/api/functions')
      return send(res, script.functions ?? FUNCTION_LIST);
    if (req.method === 'POST' && url.pathname === '/api/sync') {
      const answer = typeof script.sync === 'function' ? script.sync(baseUrl) : script.sync;
      return send(res, answer ?? ACCEPTED_RUN());
    }
    if (req.method === 'GET' && url.pathname.startsWith('/api/sync/runs/')) {
      const runs = script.runs ?? [runStatus('Succeeded')];
      const answer = runs[Math.min(runPolls, runs.length - 1)]!;
      runPolls++;
      return send(res, answer);
    }
    send(res, { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such route' } } });
  };

  const server = createServer((req, res) => {
    // Drain the request body (POST /api/sync has none) before answering.
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    requests,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
