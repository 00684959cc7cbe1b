import { type AxiosRequestConfig, type AxiosResponse, isAxiosError } from 'axios';
import { AppError, type ErrorCode } from '../../errors.js';
import { redactText } from '../../telemetry/index.js';

/** How a Clever call failed: no answer at all, too slow, an HTTP error status, or an unusable body. */
export type CleverFailureKind = 'network' | 'timeout' | 'http' | 'invalid-response';

export interface CleverApiErrorInit {
  kind: CleverFailureKind;
  /** HTTP status, when Clever answered. */
  status?: number;
  method: string;
  /** Path and non-secret query of the request (see `safeRequestPath`). */
  path: string;
  /** Clever's own message (`{"message"}` JSON or the text of an HTML page), sanitized. */
  cleverMessage?: string;
  /**
   * `invalid-response` only: what was wrong with the body, in our own words (it names fields and
   * cursors, never values), so it is safe wherever the error goes: logs, SyncHistory, responses.
   */
  problem?: string;
  /** 1 for the first try; the retry runner passes the attempt that produced this error. */
  attempt?: number;
  /** Only for `kind: 'network' | 'timeout'`: the Node/axios error code, e.g. ECONNRESET. */
  networkCode?: string;
  /** Overrides the classification by kind/status (e.g. a TLS failure is a network error but final). */
  transient?: boolean;
  cause?: unknown;
}

/** Statuses Clever documents as worth retrying; 501 and every other 4xx are final. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

/**
 * A failed call to a Clever host. Safe to log and to return: it holds the status, method, a path
 * without secrets and Clever's message, never headers, the request config or the raw AxiosError
 * (kept only as the non-serialized `cause`).
 */
export class CleverApiError extends AppError {
  readonly kind: CleverFailureKind;
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly cleverMessage: string | undefined;
  readonly networkCode: string | undefined;
  /** Which attempt failed (1 = first try). */
  readonly attempt: number;
  private readonly init: CleverApiErrorInit;

  constructor(init: CleverApiErrorInit) {
    const transient =
      init.transient ??
      (init.kind === 'network' || init.kind === 'timeout' || isTransientStatus(init.status ?? 0));
    super(codeFor(init), describe(init), {
      transient,
      // Clever's trouble is an upstream failure for our callers: 503 when retrying later may help.
      httpStatus: transient ? 503 : 502,
      details: {
        kind: init.kind,
        status: init.status,
        method: init.method,
        path: init.path,
        cleverMessage: init.cleverMessage,
        problem: init.problem,
        networkCode: init.networkCode,
        attempt: init.attempt ?? 1,
      },
      cause: init.cause,
    });
    this.init = init;
    this.kind = init.kind;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.cleverMessage = init.cleverMessage;
    this.networkCode = init.networkCode;
    this.attempt = init.attempt ?? 1;
  }

  /** The same failure, reported as the given attempt (errors stay immutable once thrown). */
  withAttempt(attempt: number): CleverApiError {
    return attempt === this.attempt ? this : new CleverApiError({ ...this.init, attempt });
  }
}

function codeFor(init: CleverApiErrorInit): ErrorCode {
  switch (init.status) {
    case 401:
    case 403:
      return 'CLEVER_AUTH_FAILED';
    case 404:
      return 'CLEVER_NOT_FOUND';
    case 413:
      return 'CLEVER_LIMIT_TOO_LARGE';
    case 429:
      return 'CLEVER_RATE_LIMITED';
    default:
      return init.kind === 'invalid-response' ? 'CLEVER_BAD_RESPONSE' : 'CLEVER_REQUEST_FAILED';
  }
}

function describe(init: CleverApiErrorInit): string {
  const target = `Clever ${init.method} ${init.path}`;
  const attempt = init.attempt && init.attempt > 1 ? ` (attempt ${init.attempt})` : '';
  const said = [init.problem, init.cleverMessage].filter(Boolean).join(': ');
  switch (init.kind) {
    case 'timeout':
      return `${target} timed out${attempt}`;
    case 'network':
      return `${target} failed before an answer (${init.networkCode ?? 'network error'})${attempt}`;
    case 'invalid-response':
      return `${target} answered ${init.status ?? ''} with an unusable body${said ? `: ${said}` : ''}${attempt}`;
    default:
      return `${target} answered ${init.status}${said ? `: ${said}` : ''}${attempt}`;
  }
}

/** Query parameters whose values are credentials; they are dropped from every reported path. */
const SECRET_QUERY_PARAMS = /^(access_token|token|client_secret|client_id|code|password|key|sig|secret)$/i;

/**
 * The request's path and query as seen by Clever, minus secret parameters, e.g.
 * `/v3.0/schools/1/users?role=student&limit=100`. Hosts are omitted: each client has one.
 */
export function safeRequestPath(url: string | undefined, baseURL?: string, params?: unknown): string {
  let parsed: URL;
  try {
    parsed = new URL(url ?? '', joinableBase(baseURL));
  } catch {
    return '(unparseable url)';
  }
  if (params && typeof params === 'object') {
    for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value])
        parsed.searchParams.append(name, String(item));
    }
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_PARAMS.test(name)) parsed.searchParams.delete(name);
  }
  const query = parsed.searchParams.toString();
  return redactText(`${parsed.pathname}${query ? `?${query}` : ''}`);
}

/** `new URL('x', 'https://h/v3.0')` drops `v3.0`; a trailing slash keeps it, as axios does by concatenation. */
function joinableBase(baseURL: string | undefined): string {
  return baseURL ? baseURL.replace(/\/*$/, '/') : 'http://clever.invalid/';
}

const MAX_MESSAGE_LENGTH = 300;

/** Clever's error text: `{"message": ...}` JSON, or the title / text of an HTML error page. */
export function extractCleverMessage(body: unknown): string | undefined {
  let text: string | undefined;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body)) {
    const record = body as Record<string, unknown>;
    const candidate = record.message ?? record.error_description ?? record.error;
    if (typeof candidate === 'string') text = candidate;
  } else if (typeof body === 'string' && body.trim() !== '') {
    text = /<[a-z!][^>]*>/i.test(body) ? htmlText(body) : body;
  }
  if (!text) return undefined;
  const compact = text.replace(/\s+/g, ' ').trim();
  if (!compact) return undefined;
  const clipped =
    compact.length > MAX_MESSAGE_LENGTH ? `${compact.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : compact;
  return redactText(clipped);
}

function htmlText(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html)?.[1];
  const picked = title?.trim() || heading?.trim();
  const source = picked ?? html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ');
  return source
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * Failures without an answer that retrying cannot fix: caller cancellation, bad options, and TLS
 * problems (a server below TLS 1.2 or a bad certificate will not improve in 30 seconds).
 */
function isPermanentNetworkFailure(code: string): boolean {
  return (
    code === 'ERR_CANCELED' ||
    code === 'ERR_BAD_OPTION' ||
    code === 'ERR_BAD_OPTION_VALUE' ||
    code === 'ERR_INVALID_URL' ||
    code === 'ERR_NOT_SUPPORT' ||
    code === 'EPROTO' ||
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    code.includes('CERT')
  );
}

export interface ConversionContext {
  attempt?: number;
}

/** Converts an HTTP answer with an error status into a CleverApiError. */
export function responseToCleverApiError(
  response: AxiosResponse,
  context: ConversionContext = {},
): CleverApiError {
  const config: AxiosRequestConfig = response.config ?? {};
  return new CleverApiError({
    kind: 'http',
    status: response.status,
    method: (config.method ?? 'get').toUpperCase(),
    path: safeRequestPath(config.url, config.baseURL, config.params),
    cleverMessage: extractCleverMessage(response.data),
    attempt: context.attempt,
  });
}

/**
 * Converts anything thrown by axios (or by code around it) into a CleverApiError. Network errors
 * and timeouts are transient; an AxiosError that carries a response is classified by its status.
 * Already converted errors pass through with the attempt updated.
 */
export function toCleverApiError(error: unknown, context: ConversionContext = {}): CleverApiError {
  if (error instanceof CleverApiError) {
    return context.attempt === undefined ? error : error.withAttempt(context.attempt);
  }
  if (isAxiosError(error)) {
    if (error.response) {
      return responseToCleverApiError(error.response, context);
    }
    const config: AxiosRequestConfig = error.config ?? {};
    const code = error.code ?? 'ERR_NETWORK';
    const base = {
      method: (config.method ?? 'get').toUpperCase(),
      path: safeRequestPath(config.url, config.baseURL, config.params),
      attempt: context.attempt,
      networkCode: code,
      cause: error,
    };
    if (TIMEOUT_CODES.has(code)) return new CleverApiError({ ...base, kind: 'timeout' });
    return new CleverApiError({ ...base, kind: 'network', transient: !isPermanentNetworkFailure(code) });
  }
  return new CleverApiError({
    kind: 'invalid-response',
    method: 'UNKNOWN',
    path: '(unknown)',
    cleverMessage: error instanceof Error ? redactText(error.message) : undefined,
    attempt: context.attempt,
    cause: error,
  });
}
