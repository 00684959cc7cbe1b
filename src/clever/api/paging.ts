import { ConfigError } from '../../errors.js';
import { CleverApiError, extractCleverMessage, safeRequestPath } from '../http/index.js';
import { EnvelopeError, readListEnvelope } from './envelope.js';
import { MAX_PAGE_SIZE } from './errors.js';
import { RecordParseError } from './parse.js';
import type { CleverTransport } from './transport.js';

/**
 * Paging exactly as Clever documents it: request `limit` (and `starting_after` to resume), then
 * follow `links.next` until it is absent. Never build offsets, never trust `count`. Only one page
 * is held at a time, so memory stays flat for any district size.
 */

export interface ApiLocation {
  /** Host plus optional gateway prefix, without the version, e.g. `https://api.clever.com`. */
  baseUrl: string;
  /** `v3.0` or `v3.1`. */
  version: string;
}

/** `/schools` (relative to the version) or `/v3.0/schools` -> absolute URL. */
export function endpointUrl(location: ApiLocation, endpoint: string): URL {
  const path = endpoint.startsWith('/') ? endpoint : `/${endpoint}`;
  const versioned = path.startsWith(`/${location.version}/`) ? path : `/${location.version}${path}`;
  return new URL(`${location.baseUrl}${versioned}`);
}

/**
 * Resolves a `links` uri. Clever's are relative and carry the version prefix (`/v3.0/users?...`), so a
 * leading `/` is relative to the configured base (which may include a gateway prefix). An absolute
 * link must stay on the API's origin: following one elsewhere would hand the bearer token to it.
 */
export function resolveLink(location: ApiLocation, uri: string, current: URL): URL {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    const absolute = new URL(uri);
    if (absolute.origin !== new URL(location.baseUrl).origin) {
      throw new EnvelopeError(`next link points to another host (${absolute.host})`);
    }
    return absolute;
  }
  if (uri.startsWith('/')) return new URL(`${location.baseUrl}${uri}`);
  return new URL(uri, current);
}

export function checkPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new ConfigError([
      `Clever page size (SYNC_PAGE_SIZE / pageSize) must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`,
    ]);
  }
  return pageSize;
}

export interface PageRequest<T> {
  transport: CleverTransport;
  location: ApiLocation;
  districtId: string;
  endpoint: string;
  pageSize: number;
  startingAfter?: string;
  parseItem: (raw: unknown) => T;
}

/** Yields each page's parsed records (empty pages are skipped), following `links.next`. */
export async function* fetchPages<T>(request: PageRequest<T>): AsyncGenerator<T[]> {
  const pageSize = checkPageSize(request.pageSize);
  let url: URL | undefined = endpointUrl(request.location, request.endpoint);
  url.searchParams.set('limit', String(pageSize));
  if (request.startingAfter) url.searchParams.set('starting_after', request.startingAfter);

  const visited = new PageTrail();
  while (url) {
    visited.enter(url);
    const response = await request.transport.get(url, { districtId: request.districtId, pageSize });
    const page: ParsedPage<T> = parsePage(response.data, response.status, url, request, visited);
    url = page.next;
    if (page.items.length > 0) yield page.items;
  }
}

/**
 * The pages one listing has requested. Clever's cursors are record ids in ascending order, so a
 * `next` link must move `starting_after` forward; one that goes back or returns to any page already
 * read (A -> B -> A) would page forever while reporting success. Holds one short string per page.
 */
class PageTrail {
  private readonly seen = new Set<string>();
  private cursor: string | null = null;

  enter(url: URL): void {
    this.seen.add(comparable(url));
    this.cursor = url.searchParams.get('starting_after');
  }

  /** Throws when `next` repeats a page (the current one included) or does not advance the cursor. */
  checkNext(next: URL): void {
    const nextCursor = next.searchParams.get('starting_after');
    if (this.seen.has(comparable(next)) || (nextCursor !== null && nextCursor === this.cursor)) {
      throw new EnvelopeError(
        `next link repeats the cursor (starting_after=${shortCursor(nextCursor)}): the listing loops`,
      );
    }
    if (nextCursor !== null && this.cursor !== null && !isAfter(nextCursor, this.cursor)) {
      throw new EnvelopeError(
        `next link moves the cursor backwards (starting_after=${shortCursor(nextCursor)} after ${shortCursor(this.cursor)})`,
      );
    }
  }
}

/** Clever ids are ObjectIds (24 hex digits): same-length ids order as text, case-insensitively. */
function isAfter(candidate: string, cursor: string): boolean {
  if (candidate.length !== cursor.length) return true; // not ObjectIds: no order to rely on
  return candidate.toLowerCase() > cursor.toLowerCase();
}

/** A cursor for an error message: ids are short; anything else is cut. */
function shortCursor(cursor: string | null): string {
  if (cursor === null) return 'none';
  return cursor.length > 40 ? `${cursor.slice(0, 40)}...` : cursor;
}

interface ParsedPage<T> {
  items: T[];
  next: URL | undefined;
}

function parsePage<T>(
  body: unknown,
  status: number,
  url: URL,
  request: PageRequest<T>,
  trail: PageTrail,
): ParsedPage<T> {
  try {
    const page = readListEnvelope(body);
    const items = page.items.map((raw, index) => {
      try {
        return request.parseItem(raw);
      } catch (error) {
        if (error instanceof RecordParseError) throw new RecordParseError(`item ${index}: ${error.message}`);
        throw error;
      }
    });
    const next = page.paging.next ? resolveLink(request.location, page.paging.next, url) : undefined;
    if (next) trail.checkNext(next);
    return { items, next };
  } catch (error) {
    if (error instanceof EnvelopeError || error instanceof RecordParseError) {
      throw invalidResponse(url, status, error.message, body, error);
    }
    throw error;
  }
}

function comparable(url: URL): string {
  const copy = new URL(url);
  copy.searchParams.sort();
  return `${copy.pathname}?${copy.searchParams.toString()}`;
}

/** A 2xx answer we cannot use: CLEVER_BAD_RESPONSE, naming what was wrong (and an HTML page's title). */
export function invalidResponse(
  url: URL,
  status: number,
  problem: string,
  body: unknown,
  cause?: unknown,
): CleverApiError {
  // Only an HTML page's title is quoted: any other text may be a piece of a roster (student names).
  const said =
    typeof body === 'string' && /<[a-z!][^>]*>/i.test(body) ? extractCleverMessage(body) : undefined;
  return new CleverApiError({
    kind: 'invalid-response',
    status,
    method: 'GET',
    path: safeRequestPath(`${url.pathname}${url.search}`),
    problem,
    ...(said ? { cleverMessage: said } : {}),
    cause,
  });
}
