/**
 * Where the Functions host serves HTTP functions: `/<routePrefix>/<route>`, with routePrefix from
 * host.json `extensions.http.routePrefix` (the host's default is `api`; an empty string removes
 * the prefix). clever-sync sets it to "" and spells `api/` into its routes, so that the promised
 * `GET /health/clever-auth` and `POST /api/sync` are both served. The function listing and the
 * local runner read the same host.json, so they follow whatever the host does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The prefix the host uses when host.json does not set one. */
export const DEFAULT_ROUTE_PREFIX = 'api';

/** host.json sits at the package root: two levels above src/functions, three above dist/src/functions. */
function findHostJson(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 5; level++) {
    const candidate = join(directory, 'host.json');
    if (existsSync(candidate)) return candidate;
    directory = dirname(directory);
  }
  return undefined;
}

/** `extensions.http.routePrefix` of a host.json text, without surrounding slashes. */
export function routePrefixOf(hostJson: string): string {
  const parsed = JSON.parse(hostJson) as { extensions?: { http?: { routePrefix?: unknown } } };
  const prefix = parsed.extensions?.http?.routePrefix;
  if (prefix === undefined) return DEFAULT_ROUTE_PREFIX;
  if (typeof prefix !== 'string') throw new Error('host.json extensions.http.routePrefix must be a string');
  return prefix.replace(/^\/+|\/+$/g, '');
}

let cached: string | undefined;

/** The route prefix of this package's host.json (read once). */
export function hostRoutePrefix(): string {
  if (cached === undefined) {
    const file = findHostJson();
    cached = file ? routePrefixOf(readFileSync(file, 'utf8')) : DEFAULT_ROUTE_PREFIX;
  }
  return cached;
}

/** The URL path a function's route is served at, e.g. `/api/sync` or `/health/clever-auth`. */
export function routePath(route: string, prefix: string = hostRoutePrefix()): string {
  return `/${[prefix, route.replace(/^\/+/, '')].filter((part) => part !== '').join('/')}`;
}
