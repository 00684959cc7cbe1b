import type { ServerResponse } from 'node:http';

/** A response decided by a handler, before faults (truncation) and writing. */
export interface ApiResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function json(status: number, value: unknown): ApiResponse {
  return { status, body: JSON.stringify(value), headers: { 'content-type': JSON_TYPE } };
}

/** Clever's error body: `{"message": ...}`. Messages never contain tokens or secrets. */
export function errorJson(status: number, message: string): ApiResponse {
  return json(status, { message });
}

const REASONS: Record<number, string> = {
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The kind of page a load balancer in front of Clever answers with. */
export function htmlError(status: number): ApiResponse {
  const title = `${status} ${REASONS[status] ?? 'Error'}`;
  return {
    status,
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
    headers: { 'content-type': 'text/html' },
  };
}

/**
 * What Clever answers for a path it has no route for: an HTML page, not `{"message"}` JSON
 * (which it keeps for unknown ids on known routes).
 */
export function htmlNotFound(): ApiResponse {
  return htmlError(404);
}

/** Cuts the body in the middle: a complete HTTP response carrying broken JSON. */
export function truncated(response: ApiResponse): ApiResponse {
  return { ...response, body: response.body.slice(0, Math.max(1, Math.floor(response.body.length / 2))) };
}

/**
 * A list page whose `next` link leads back to the listing's first page (no cursor), so following
 * `next` cycles A -> B -> A: a broken server, as a client must detect. The first page is left as is.
 */
export function cycled(response: ApiResponse, url: URL): ApiResponse {
  if (!url.searchParams.has('starting_after')) return response;
  const body = JSON.parse(response.body) as { links?: { rel: string; uri: string }[] };
  const first = new URL(url.pathname + url.search, 'http://emulator');
  first.searchParams.delete('starting_after');
  for (const link of body.links ?? []) if (link.rel === 'next') link.uri = first.pathname + first.search;
  return { ...response, body: JSON.stringify(body) };
}

export function write(
  res: ServerResponse,
  response: ApiResponse,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  // The response's own headers win: a 429 fault overrides the window's X-RateLimit-* values.
  res.writeHead(response.status, {
    ...extraHeaders,
    ...response.headers,
    'content-length': String(Buffer.byteLength(response.body, 'utf8')),
  });
  res.end(response.body, 'utf8');
}
