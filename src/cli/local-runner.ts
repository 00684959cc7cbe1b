import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpFunctionOptions, HttpResponseInit, LogHandler, Timer } from '@azure/functions';
import azureFunctions from '@azure/functions';
import { toLogObject } from '../errors.js';
import type { RegisteredFunction } from '../functions/index.js';
import { ALL_HTTP_METHODS, hostRoutePrefix } from '../functions/index.js';
import type { Logger } from '../telemetry/index.js';
import { type CompiledRoute, compileRoute } from './route-template.js';

// The package is CommonJS whose classes Node's ESM loader cannot see as named exports.
const { HttpRequest, HttpResponse, InvocationContext } = azureFunctions;
type HttpResponse = InstanceType<typeof HttpResponse>;
type InvocationContext = InstanceType<typeof InvocationContext>;

/**
 * `npm run serve`: hosts every registered HTTP function on localhost with the host's routes
 * (`/<host.json routePrefix>/<route>`) and auth levels, without Azure Functions Core Tools. Like the host it also
 * exposes `POST /admin/functions/{name}` (master key) to run a timer or queue function on demand.
 */
const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalRunnerOptions {
  functions: RegisteredFunction[];
  /** Accepted for `authLevel: 'function'` routes (x-functions-key header or ?code=). */
  functionKey: string;
  /** Accepted everywhere, and the only key for admin routes; defaults to the function key. */
  masterKey?: string;
  /** host.json `extensions.http.routePrefix`; defaults to this package's host.json. */
  routePrefix?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
}

export interface LocalRunner {
  /** e.g. http://127.0.0.1:7071 */
  url: string;
  port: number;
  /** Resolves when every function started through the admin route has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface HttpRoute {
  name: string;
  options: HttpFunctionOptions;
  route: CompiledRoute;
  methods: string[];
}

export async function startLocalRunner(options: LocalRunnerOptions): Promise<LocalRunner> {
  const masterKey = options.masterKey ?? options.functionKey;
  const prefix = (options.routePrefix ?? hostRoutePrefix()).split('/').filter(Boolean);
  const routes: HttpRoute[] = options.functions.flatMap((fn) =>
    fn.kind === 'http'
      ? [
          {
            name: fn.name,
            options: fn.options,
            route: compileRoute(fn.options.route ?? fn.name),
            methods: (fn.options.methods ?? ALL_HTTP_METHODS).map((m) => m.toUpperCase()),
          },
        ]
      : [],
  );
  const background = new Set<Promise<void>>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof BodyTooLarge) {
        return sendJson(res, 413, {
          error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body over 1 MiB' },
        });
      }
      options.logger.error({ err: toLogObject(error) }, 'local runner failed to answer');
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'INTERNAL', message: 'Unexpected internal error' } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = requestUrl(req);
    if (typeof target === 'string') return badRequest(res, target);
    const url = target;
    const method = (req.method ?? 'GET').toUpperCase();
    const segments = url.pathname.split('/').filter(Boolean);

    if (segments[0]?.toLowerCase() === 'admin' && segments[1]?.toLowerCase() === 'functions') {
      if (!keyMatches(presentedKey(req, url), [masterKey])) return unauthorized(res, 'master');
      const name = decodeURIComponent(segments.slice(2).join('/'));
      if (method === 'GET' && name === '') return sendJson(res, 200, options.functions.map(describe));
      if (method !== 'POST')
        return sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use POST' } });
      return invokeByAdmin(name, await readBody(req), res);
    }

    // As in the host: the prefix is matched case-insensitively, and "" serves routes at the root.
    if (!prefix.every((part, i) => segments[i]?.toLowerCase() === part.toLowerCase())) return notFound(res);
    const path = segments.slice(prefix.length).join('/');
    const candidates = routes.flatMap((r) => {
      const params = r.route.match(path);
      return params ? [{ r, params }] : [];
    });
    const hit = candidates.find(({ r }) => r.methods.includes(method));
    if (!hit) {
      if (candidates.length === 0) return notFound(res);
      const allow = [...new Set(candidates.flatMap(({ r }) => r.methods))].join(', ');
      return sendJson(
        res,
        405,
        { error: { code: 'METHOD_NOT_ALLOWED', message: `Allowed: ${allow}` } },
        { allow },
      );
    }

    const level = hit.r.options.authLevel ?? 'function';
    if (level !== 'anonymous') {
      const accepted = level === 'admin' ? [masterKey] : [options.functionKey, masterKey];
      if (!keyMatches(presentedKey(req, url), accepted)) return unauthorized(res, level);
    }

    const body = await readBody(req);
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(req),
      params: hit.params,
      ...(body && body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const context = invocationContext(hit.r.name, 'httpTrigger');
    const result = await hit.r.options.handler(request, context);
    await sendResult(res, result ?? {});
  }

  async function invokeByAdmin(name: string, body: Buffer | null, res: ServerResponse): Promise<void> {
    const fn = options.functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!fn) return notFound(res);
    if (fn.kind === 'http') {
      return sendJson(res, 400, {
        error: { code: 'BAD_REQUEST', message: 'HTTP functions are called on their route' },
      });
    }
    let input = '';
    if (body && body.length > 0) {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { input?: unknown };
        input = typeof parsed.input === 'string' ? parsed.input : JSON.stringify(parsed.input ?? '');
      } catch {
        return sendJson(res, 400, {
          error: { code: 'BAD_REQUEST', message: 'Body must be JSON: {"input": "..."}' },
        });
      }
    }
    const context = invocationContext(fn.name, fn.kind === 'timer' ? 'timerTrigger' : 'queueTrigger');
    // Like the host's admin API: accept at once, run in the background.
    const run = (async () => {
      try {
        if (fn.kind === 'timer') await fn.options.handler(manualTimer(), context);
        else await fn.options.handler(parseQueueInput(input), context);
      } catch (error) {
        options.logger.error(
          { err: toLogObject(error), functionName: fn.name },
          'function invocation failed',
        );
      }
    })();
    background.add(run);
    void run.finally(() => background.delete(run));
    sendJson(res, 202, { functionName: fn.name, invocationId: context.invocationId });
  }

  function invocationContext(functionName: string, triggerType: string): InvocationContext {
    const logHandler: LogHandler = (level, ...args) => {
      const message = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      const log = options.logger.child({ functionName });
      if (level === 'error' || level === 'critical') log.error(message);
      else if (level === 'warning') log.warn(message);
      else if (level === 'debug' || level === 'trace') log.debug(message);
      else log.info(message);
    };
    return new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      logHandler,
      options: { trigger: { name: 'trigger', type: triggerType } },
    });
  }

  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7071, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  return {
    url: `http://${host}:${port}`,
    port,
    async idle() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
    async close() {
      await closeServer(server);
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}

/** The Host header as a URL authority: a name or IPv4 address, or a bracketed IPv6 address, and a port. */
const HOST_HEADER = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/**
 * The request's URL, or why it cannot be one (a 400, as the Functions host answers): a Host header
 * that is not a host name, or a path or query string with a malformed %-escape, which would
 * otherwise reach handlers as undecodable text (or make `decodeURIComponent` throw: a 500).
 */
function requestUrl(req: IncomingMessage): URL | string {
  const host = req.headers.host ?? 'localhost';
  const hostMatch = HOST_HEADER.exec(host);
  if (!hostMatch || Number(hostMatch[1] ?? 0) > 65_535) return 'Invalid Host header';
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return 'The request target must be a path (origin form)';
  let url: URL;
  try {
    // Concatenated, not resolved: a target such as `//elsewhere/x` stays a path on this host.
    url = new URL(`http://${host}${target}`);
  } catch {
    return 'Invalid request URL';
  }
  try {
    decodeURIComponent(url.pathname);
    decodeURIComponent(url.search.replace(/\+/g, ' '));
  } catch {
    return 'Malformed %-escape in the request URL';
  }
  return url;
}

/** What `GET /admin/functions` lists: the registration, without handlers. */
function describe(fn: RegisteredFunction): Record<string, unknown> {
  const { handler: _handler, ...rest } = fn.options as unknown as Record<string, unknown>;
  return { name: fn.name, kind: fn.kind, ...rest };
}

function manualTimer(): Timer {
  const now = new Date().toISOString();
  return {
    isPastDue: false,
    schedule: { adjustForDST: true },
    scheduleStatus: { last: now, next: now, lastUpdated: now },
  };
}

/** The host hands a queue function the message parsed as JSON when it is JSON, else the string. */
function parseQueueInput(input: string): unknown {
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

function presentedKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-functions-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value ?? url.searchParams.get('code') ?? undefined;
}

function keyMatches(presented: string | undefined, accepted: string[]): boolean {
  if (!presented) return false;
  const given = Buffer.from(presented);
  return accepted.some((key) => {
    const expected = Buffer.from(key);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 0 ? null : Buffer.concat(chunks);
}

async function sendResult(res: ServerResponse, result: HttpResponseInit | HttpResponse): Promise<void> {
  if (result instanceof HttpResponse) {
    const headers: Record<string, string> = {};
    result.headers.forEach((value, name) => {
      headers[name] = value;
    });
    res.writeHead(result.status, headers);
    res.end(Buffer.from(await result.arrayBuffer()));
    return;
  }
  // Normalising through HttpResponse applies the library's own body and header rules.
  return sendResult(res, new HttpResponse(result));
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function badRequest(res: ServerResponse, message: string): void {
  sendJson(res, 400, { error: { code: 'BAD_REQUEST', message } });
}

function notFound(res: ServerResponse): void {
  sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'No function answers on this route' } });
}

function unauthorized(res: ServerResponse, level: string): void {
  const which = level === 'master' || level === 'admin' ? 'the master key' : 'a valid function key';
  sendJson(res, 401, {
    error: { code: 'UNAUTHORIZED', message: `This route needs ${which} (x-functions-key header or ?code=)` },
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
