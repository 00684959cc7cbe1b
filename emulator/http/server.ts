import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorAdmin } from '../admin.js';
import type { FaultRule } from '../faults.js';
import { FixedWindowRateLimiter, type RateLimitState } from '../rate-limit.js';
import type { ApiVersion } from '../types.js';
import type { EmulatorWorld } from '../world.js';
import { ADMIN_PREFIX, handleAdmin } from './admin-api.js';
import { DATA_ROUTES } from './data-api.js';
import { type ApiResponse, cycled, errorJson, htmlError, htmlNotFound, truncated, write } from './respond.js';
import { issueToken, listTokens } from './tokens-api.js';

const VERSION_PATH = /^\/(v3\.[01])(\/.*)?$/;
const TOKENS_PATH = '/oauth/tokens';
const UNMATCHED = 'unmatched';

interface RouteMatch {
  /** Template without the version, e.g. '/schools/{id}/users': the key for stats and faults. */
  route: string;
  id: string | undefined;
  versionPrefix: string;
  version: ApiVersion;
}

function matchDataRoute(pathname: string): RouteMatch | undefined {
  const match = VERSION_PATH.exec(pathname);
  if (!match) return undefined;
  const segments = (match[2] ?? '').split('/').filter(Boolean);
  const route = `/${segments.map((s, i) => (i === 1 ? '{id}' : s)).join('/')}`;
  return {
    route: DATA_ROUTES[route] === undefined ? UNMATCHED : route,
    id: segments[1] === undefined ? undefined : decodeURIComponent(segments[1]),
    versionPrefix: `/${match[1]}`,
    version: match[1] as ApiVersion,
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** One value per window, comma-separated when there are two (as in recorded real traffic). */
function rateLimitHeaders(states: RateLimitState[]): Record<string, string> {
  const list = (value: (state: RateLimitState) => string | number) => states.map(value).join(', ');
  return {
    'x-ratelimit-bucket': list((s) => s.bucket),
    'x-ratelimit-limit': list((s) => s.limit),
    'x-ratelimit-remaining': list((s) => s.remaining),
    'x-ratelimit-reset': list((s) => Math.ceil(s.resetSeconds)),
  };
}

/** Applies "mid-sync" state faults through the admin API so they emit events like real changes. */
function applyStateChange(world: EmulatorWorld, rule: FaultRule, requestDistrict: string | undefined): void {
  const admin = new EmulatorAdmin(world);
  const districtId = rule.districtId ?? requestDistrict;
  try {
    if (rule.kind === 'rotate-token' && districtId !== undefined) admin.rotateToken(districtId);
    else if (rule.kind === 'disconnect-district' && districtId !== undefined)
      admin.disconnectDistrict(districtId);
    else if (rule.kind === 'unshare-school') admin.unshareSchool(rule.schoolId);
  } catch {
    // Already rotated away, disconnected or unshared: the fault has nothing left to do.
  }
}

function faultResponse(
  world: EmulatorWorld,
  rule: FaultRule,
  rate: RateLimitState[] | undefined,
): ApiResponse | undefined {
  switch (rule.kind) {
    case 'status':
      return errorJson(rule.status, rule.message ?? `injected ${rule.status}`);
    case 'html':
      return htmlError(rule.status ?? 502);
    case 'rate-limit': {
      const reset = Math.ceil(world.clock.now() / 1000) + (rule.resetInSeconds ?? 1);
      const response = errorJson(429, 'Too Many Requests');
      if (rate !== undefined) {
        const spent = rate.map((state) => ({ ...state, remaining: 0, resetSeconds: reset }));
        Object.assign(response.headers, rateLimitHeaders(spent));
      }
      return response;
    }
    default:
      return undefined;
  }
}

async function handleData(
  world: EmulatorWorld,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  match: RouteMatch,
) {
  const token = bearer(req);
  const fired = world.faults.evaluate({
    route: match.route,
    id: match.id,
    districtId: token === undefined ? undefined : world.tokens.resolve(token),
  });
  if (fired.latencyMs > 0) await sleep(fired.latencyMs);
  const tokenDistrict = token === undefined ? undefined : world.tokens.resolve(token);
  for (const rule of fired.stateChanges) applyStateChange(world, rule, tokenDistrict);

  // Resolved again: a rotation or disconnect above invalidates the token of this very request.
  const districtId = token === undefined ? undefined : world.tokens.resolve(token);
  const district = districtId === undefined ? undefined : world.district(districtId);
  if (token === undefined || district === undefined) {
    const headers = rateLimitHeaders(world.rateLimits.peek('unauthenticated'));
    return finish(world, res, match.route, errorJson(401, 'invalid or missing bearer token'), headers);
  }
  const rate = world.rateLimits.hit(FixedWindowRateLimiter.bucketFor(token));
  const headers = rateLimitHeaders(rate);
  if (!rate.every((state) => state.allowed))
    return finish(world, res, match.route, errorJson(429, 'Too Many Requests'), headers);

  const terminal = fired.terminal;
  if (terminal?.kind === 'reset') return dropConnection(world, req, match.route);
  const injected = terminal === undefined ? undefined : faultResponse(world, terminal, rate);
  if (injected !== undefined) return finish(world, res, match.route, injected, headers);

  let response: ApiResponse;
  if (req.method !== 'GET') response = errorJson(405, 'only GET is supported');
  else if (match.route === UNMATCHED) response = htmlNotFound();
  else {
    response = DATA_ROUTES[match.route]!({
      world,
      district,
      versionPrefix: match.versionPrefix,
      version: match.version,
      id: match.id,
      pathname: url.pathname,
      search: url.search,
      query: url.searchParams,
    });
  }
  if (terminal?.kind === 'truncate' && response.status === 200) response = truncated(response);
  if (terminal?.kind === 'link-cycle' && response.status === 200) response = cycled(response, url);
  finish(world, res, match.route, response, headers);
}

async function handleTokens(world: EmulatorWorld, req: IncomingMessage, res: ServerResponse, url: URL) {
  const route = TOKENS_PATH;
  const fired = world.faults.evaluate({ route });
  if (fired.latencyMs > 0) await sleep(fired.latencyMs);
  for (const rule of fired.stateChanges) applyStateChange(world, rule, undefined);
  const terminal = fired.terminal;
  if (terminal?.kind === 'reset') return dropConnection(world, req, route);
  const injected = terminal === undefined ? undefined : faultResponse(world, terminal, undefined);
  if (injected !== undefined) return finish(world, res, route, injected);
  let response: ApiResponse;
  if (req.method === 'GET') response = listTokens(world, req, url);
  else if (req.method === 'POST') response = await issueToken(world, req, url);
  else response = errorJson(405, 'use GET (district tokens) or POST (client_credentials)');
  if (terminal?.kind === 'truncate' && response.status === 200) response = truncated(response);
  finish(world, res, route, response);
}

function finish(
  world: EmulatorWorld,
  res: ServerResponse,
  route: string,
  response: ApiResponse,
  headers: Record<string, string> = {},
): void {
  world.stats.record(route, response.status);
  write(res, response, headers);
}

function dropConnection(world: EmulatorWorld, req: IncomingMessage, route: string): void {
  world.stats.record(route, 'reset');
  req.socket.destroy();
}

async function route(world: EmulatorWorld, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.local');
  if (url.pathname === TOKENS_PATH) return handleTokens(world, req, res, url);
  if (
    world.options.adminHttp &&
    (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`))
  ) {
    return write(res, await handleAdmin(world, req, url));
  }
  const match = matchDataRoute(url.pathname);
  if (match === undefined) return finish(world, res, UNMATCHED, htmlNotFound());
  return handleData(world, req, res, url, match);
}

/** The emulator's HTTP server: token endpoint, Data API v3.0/v3.1 and (optionally) admin. */
export function createEmulatorServer(world: EmulatorWorld): Server {
  return createServer((req, res) => {
    route(world, req, res).catch((error: unknown) => {
      // A bug in the emulator (or a malformed URL) must not pass for a Clever answer: say so plainly.
      world.stats.record('emulator-error', 500);
      write(res, errorJson(500, `emulator error: ${(error as Error).message}`));
    });
  });
}
