import type { CleverPaging } from './types.js';

/**
 * Clever's envelopes: lists are `{data: [{data: record, uri}], links: [{rel, uri}]}`, single records
 * `{data: record, links}`. A 2xx body without the `data` envelope (an HTML maintenance page, a
 * proxy's answer, `{}`) is an error, never an empty roster: reading it as "no students" would make
 * the sync archive a whole school.
 */

export class EnvelopeError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface RawListPage {
  /** Unwrapped records, not yet parsed. */
  items: unknown[];
  paging: CleverPaging;
}

export function readListEnvelope(body: unknown): RawListPage {
  if (!isRecord(body)) throw new EnvelopeError(`expected a JSON list envelope, got ${describeBody(body)}`);
  const data = body.data;
  if (!Array.isArray(data)) throw new EnvelopeError('list response has no "data" array');
  // Items are wrapped as {data, uri}; a bare record (some proxies unwrap) is accepted as is.
  const items = data.map((item) => (isRecord(item) && isRecord(item.data) ? item.data : item));
  return { items, paging: readLinks(body.links) };
}

export function readSingleEnvelope(body: unknown): unknown {
  if (!isRecord(body)) throw new EnvelopeError(`expected a JSON record envelope, got ${describeBody(body)}`);
  if (!isRecord(body.data)) throw new EnvelopeError('record response has no "data" object');
  return body.data;
}

/** `links` is an array of {rel, uri}; unknown rels and malformed entries are ignored. */
function readLinks(links: unknown): CleverPaging {
  const paging: CleverPaging = {};
  if (!Array.isArray(links)) return paging;
  for (const link of links) {
    if (!isRecord(link) || typeof link.uri !== 'string' || link.uri === '') continue;
    if (link.rel === 'next' || link.rel === 'prev' || link.rel === 'self') paging[link.rel] = link.uri;
  }
  return paging;
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') return /<[a-z!][^>]*>/i.test(body) ? 'an HTML page' : 'a non-JSON body';
  if (body === null || body === undefined || body === '') return 'an empty body';
  return Array.isArray(body) ? 'a JSON array' : `a JSON ${typeof body}`;
}
