import { mapSource, type SortedSource } from '../data/sorted.js';
import { isCleverId } from '../ids.js';
import { type ApiResponse, errorJson, JSON_TYPE } from './respond.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

export interface PageParams {
  limit: number;
  startingAfter?: string;
  /** An id, or 'last' for the newest items. */
  endingBefore?: string;
}

export interface Link {
  rel: string;
  uri: string;
}

/** Parses limit / starting_after / ending_before, or answers 400 / 413 like Clever. */
export function parsePageParams(query: URLSearchParams): PageParams | ApiResponse {
  const rawLimit = query.get('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null && rawLimit !== '') {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1)
      return errorJson(400, 'limit must be a positive integer');
    limit = Number(rawLimit);
    if (limit > MAX_LIMIT) return errorJson(413, `limit must be no more than ${MAX_LIMIT}`);
  }
  const startingAfter = query.get('starting_after') || undefined;
  const endingBefore = query.get('ending_before') || undefined;
  if (startingAfter !== undefined && endingBefore !== undefined) {
    return errorJson(400, 'use either starting_after or ending_before, not both');
  }
  if (startingAfter !== undefined && !isCleverId(startingAfter))
    return errorJson(400, 'starting_after must be an id');
  if (endingBefore !== undefined && endingBefore !== 'last' && !isCleverId(endingBefore)) {
    return errorJson(400, 'ending_before must be an id or "last"');
  }
  return { limit, startingAfter, endingBefore };
}

function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  while (out.length < n) {
    const r = it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

export interface Page<T> {
  items: T[];
  hasAfter: boolean;
  hasBefore: boolean;
}

/** One page in ascending id order, and whether items exist on either side of it. */
export function takePage<T extends { id: string }>(source: SortedSource<T>, params: PageParams): Page<T> {
  if (params.endingBefore !== undefined) {
    const before = params.endingBefore === 'last' ? undefined : params.endingBefore;
    const items = take(source.descending(before), params.limit + 1);
    const hasBefore = items.length > params.limit;
    if (hasBefore) items.pop();
    items.reverse();
    const last = items.at(-1);
    return { items, hasBefore, hasAfter: last !== undefined && !source.ascending(last.id).next().done };
  }
  const items = take(source.ascending(params.startingAfter), params.limit + 1);
  const hasAfter = items.length > params.limit;
  if (hasAfter) items.pop();
  const first = items[0];
  const hasBefore =
    first !== undefined && params.startingAfter !== undefined && !source.descending(first.id).next().done;
  return { items, hasAfter, hasBefore };
}

/** A relative link with the version prefix and the caller's query, paging cursor replaced. */
export function pageLink(pathname: string, query: URLSearchParams, cursor?: [string, string]): string {
  const params = new URLSearchParams();
  for (const [key, value] of query)
    if (key !== 'starting_after' && key !== 'ending_before') params.append(key, value);
  if (cursor !== undefined) params.append(cursor[0], cursor[1]);
  const search = params.toString();
  return search === '' ? pathname : `${pathname}?${search}`;
}

/**
 * The list envelope: `{data: [{data, uri}], links: [self, prev?, next?]}`. `self` repeats the
 * request as sent, `next`/`prev` carry the same query with the cursor replaced.
 */
export function listResponse<T extends { id: string }>(
  request: { pathname: string; search: string; query: URLSearchParams },
  source: SortedSource<T>,
  itemUri: (item: T) => string,
): ApiResponse {
  const params = parsePageParams(request.query);
  if ('status' in params) return params;
  // Each record is serialized as soon as it is generated, so a 10,000-item page holds strings
  // rather than 10,000 object graphs (much less garbage-collector work on large pages).
  const serialized = mapSource(source, (item) => ({
    id: item.id,
    json: `{"data":${JSON.stringify(item)},"uri":${JSON.stringify(itemUri(item))}}`,
  }));
  const page = takePage(serialized, params);
  const links: Link[] = [{ rel: 'self', uri: request.pathname + request.search }];
  const first = page.items[0];
  const last = page.items.at(-1);
  if (page.hasBefore && first !== undefined) {
    links.push({ rel: 'prev', uri: pageLink(request.pathname, request.query, ['ending_before', first.id]) });
  }
  if (page.hasAfter && last !== undefined) {
    links.push({ rel: 'next', uri: pageLink(request.pathname, request.query, ['starting_after', last.id]) });
  }
  const body = `{"data":[${page.items.map((item) => item.json).join(',')}],"links":${JSON.stringify(links)}}`;
  return { status: 200, body, headers: { 'content-type': JSON_TYPE } };
}
