/**
 * Post-deploy validation of a clever-sync Function App.
 *
 *   FUNCTION_KEY=... npm run validate:deployment -- --url https://<app host> [--dry-run-school <cleverSchoolId>]
 *
 * Checks, in order:
 *   1. health     GET /api/health/clever-auth with the function key answers 200 and `healthy`.
 *   2. functions  GET /api/functions lists the nightly timer, POST /api/sync, GET /api/sync/runs/{runId},
 *                 the health routes and the run queue trigger (the manual sync must not be anonymous).
 *   3. dry run    (optional) POST /api/sync?schoolId=<id>&dryRun=true, then polls the returned
 *                 statusUrl until the run (its SyncHistory) ends; passes on Succeeded only.
 *   4. secrets    no response body contains the function key or anything that looks like a secret.
 *
 * Exit code: 0 all checks passed, 1 a check failed, 2 usage error. The function key is sent only in
 * the x-functions-key header, only to the --url origin (redirects are not followed), and never
 * printed: every line of output is masked. docs/deployment.md describes the listing route's shape.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';

export interface ValidateOptions {
  /** Base URL of the app, e.g. https://func-cleversync-production-abc123.azurewebsites.net */
  url: string;
  key: string;
  dryRunSchool?: string | undefined;
  allowDegraded?: boolean;
  pollIntervalMs?: number;
  /** How long a just-deployed app may answer "starting" (degraded, host error pages) before health fails. */
  startupGraceMs?: number;
  /** How long the dry run may take before the check fails. */
  timeoutMs?: number;
  requestTimeoutMs?: number;
}

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: 'health' | 'functions' | 'dry-run' | 'secrets';
  status: CheckStatus;
  message: string;
}

export interface ValidationReport {
  ok: boolean;
  url: string;
  checks: CheckResult[];
}

const TERMINAL_RUN_STATUSES = new Set([
  'Succeeded',
  'PartiallySucceeded',
  'Failed',
  'Abandoned',
  'Held',
  'Skipped',
]);

/** Functions the deployment must have registered, by trigger and route. */
export const REQUIRED_FUNCTIONS: ReadonlyArray<{
  what: string;
  matches: (fn: ListedFunction) => boolean;
}> = [
  { what: 'the nightly sync timer (timer trigger)', matches: (fn) => fn.trigger === 'timer' },
  { what: 'manual sync (POST /api/sync)', matches: (fn) => isHttp(fn, 'sync', 'POST') },
  {
    what: 'run status (GET /api/sync/runs/{runId})',
    matches: (fn) => isHttp(fn, 'sync/runs/{runId}', 'GET'),
  },
  {
    what: 'Clever auth health (GET /api/health/clever-auth)',
    matches: (fn) => isHttp(fn, 'health/clever-auth', 'GET'),
  },
  {
    // The promised path, outside /api: host.json routePrefix "" (docs/manual-sync.md).
    what: 'Clever auth health at the promised path (GET /health/clever-auth)',
    matches: (fn) => isHttp(fn, 'health/clever-auth', 'GET') && /^\/?health\//.test(fn.route ?? ''),
  },
  {
    // Runs of the default `queued-run` mode run in this trigger's invocations (docs/scaling.md).
    what: 'the run queue trigger (SyncRunQueueFunction)',
    matches: (fn) => fn.trigger === 'storageQueue' && fn.name === 'SyncRunQueueFunction',
  },
];

export interface ListedFunction {
  name?: string;
  trigger?: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
}

function isHttp(fn: ListedFunction, route: string, method: string): boolean {
  if (fn.trigger !== 'http' || normalizeRoute(fn.route) !== route) return false;
  const methods = Array.isArray(fn.methods) ? fn.methods.map((m) => String(m).toUpperCase()) : [];
  return methods.length === 0 || methods.includes(method);
}

function normalizeRoute(route: unknown): string {
  return (typeof route === 'string' ? route : '')
    .replace(/^\/+/, '')
    .replace(/^api\//, '')
    .replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------
// Secret scan

const SECRET_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ['a bearer token', /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*/i],
  ['HTTP Basic credentials', /\bBasic\s+[A-Za-z0-9+/]{16,}={0,2}/],
  ['a JSON web token', /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['a password in a connection string', /\b(?:password|pwd)\s*=\s*(?![*[<])[^;\s"'&]+/i],
  ['credentials in a URL', /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"']+:(?![*[<])[^/\s@"']+@/i],
  ['a storage account key', /\bAccountKey=[A-Za-z0-9+/=]{20,}/i],
  ['a shared access signature', /[?&]sig=[A-Za-z0-9%+/=]{16,}/i],
  ['an Application Insights key', /\bInstrumentationKey=[0-9a-f]{8}-[0-9a-f-]{27}/i],
  ['a function key in a URL', /[?&]code=[A-Za-z0-9_\-=%]{20,}/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

/** JSON fields whose value is a secret when it is filled in (names compared without - and _). */
const SECRET_FIELDS = new Set([
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'token',
  'password',
  'apikey',
  'secret',
  'authorization',
  'connectionstring',
  'functionkey',
]);

/** Values that say "there was something here and it was removed", not a secret. */
const REDACTED_VALUE = /^(?:\*+|\[redacted\]|<redacted>|redacted|\[hidden\])$/i;
/** Key Vault secret names (`clever-client-secret`) are names, not values. */
const SECRET_NAME_VALUE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/;

/** What in `text` looks like a secret: descriptions only, never the matched text. */
export function findSecrets(text: string, knownSecrets: readonly string[] = []): string[] {
  const findings = new Set<string>();
  for (const known of knownSecrets) {
    if (known && text.includes(known)) findings.add('the function key');
  }
  for (const [what, pattern] of SECRET_PATTERNS) if (pattern.test(text)) findings.add(what);
  for (const match of text.matchAll(/"([A-Za-z_-]+)"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
    const field = match[1]!.toLowerCase().replace(/[-_]/g, '');
    const value = match[2]!.trim();
    // Secrets are long and have no spaces; "not configured" is a state, not a secret.
    if (!SECRET_FIELDS.has(field) || value.length < 8 || /\s/.test(value)) continue;
    if (REDACTED_VALUE.test(value) || SECRET_NAME_VALUE.test(value)) continue;
    findings.add(`a filled-in "${match[1]}" field`);
  }
  return [...findings];
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Response {
  status: number;
  text: string;
  json: unknown;
  location?: string | undefined;
}

class Http {
  /** Secret findings per response, for the final check. */
  readonly findings: string[] = [];
  responses = 0;

  constructor(
    private readonly base: URL,
    private readonly key: string,
    private readonly timeoutMs: number,
  ) {}

  /** An absolute URL on the base origin for a route or a statusUrl the app returned. */
  resolve(pathOrUrl: string): URL | undefined {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    try {
      const target = /^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl)
        ? new URL(pathOrUrl)
        : new URL(`${pathOrUrl.startsWith(basePath) ? '' : basePath}${pathOrUrl}`, this.base.origin);
      return target.origin === this.base.origin ? target : undefined;
    } catch {
      return undefined;
    }
  }

  async request(method: 'GET' | 'POST', url: URL): Promise<Response> {
    const response = await fetch(url, {
      method,
      headers: { 'x-functions-key': this.key, accept: 'application/json' },
      // A redirect could carry the key elsewhere: report it instead of following.
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    this.responses++;
    for (const finding of findSecrets(text, [this.key])) {
      this.findings.push(`${method} ${url.pathname}: ${finding}`);
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json, location: response.headers.get('location') ?? undefined };
  }
}

class KeyRejected extends Error {}

function describeFailure(status: number, url: URL, location?: string): string {
  if (status === 401 || status === 403) {
    return `the app rejected the function key (HTTP ${status} from ${url.pathname}); check --key / FUNCTION_KEY is a key of this function app`;
  }
  if (status >= 300 && status < 400) {
    const where = location ? new URL(location, url).origin : 'an unknown location';
    return `${url.pathname} redirected (HTTP ${status}) to ${where}; not following a redirect with the function key`;
  }
  if (status === 404) return `${url.pathname} was not found (HTTP 404); is clever-sync deployed at this URL?`;
  return `${url.pathname} answered HTTP ${status}`;
}

function field(value: unknown, name: string): unknown {
  return value && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * A short, printable reason from a health, run or error body: `lastError.message`, `error`
 * (a string, or `{ code, message }`), `message`, else the health report's `reasons`.
 */
function reason(body: unknown): string | undefined {
  for (const name of ['lastError', 'error', 'message']) {
    const value = field(body, name);
    const text = typeof value === 'string' ? value : field(value, 'message');
    if (typeof text === 'string' && text.trim()) return text.trim().slice(0, 300);
  }
  const reasons = field(body, 'reasons');
  if (Array.isArray(reasons) && reasons.length > 0) return reasons.map(String).join('; ').slice(0, 300);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Checks

/**
 * What an app says while it is still starting after a deploy: the platform's own error page (no
 * JSON) or `degraded` before the first background authentication check has finished.
 */
function stillStarting(res: Response): boolean {
  if (res.status === 200 && field(res.json, 'status') === 'degraded') return true;
  return res.json === undefined && [404, 502, 503].includes(res.status);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** GET the health route, asking again while the app is still starting (up to `startupGraceMs`). */
async function readHealth(http: Http, url: URL, options: ValidateOptions): Promise<Response> {
  const deadline = Date.now() + (options.startupGraceMs ?? 0);
  for (;;) {
    let res: Response | undefined;
    try {
      res = await http.request('GET', url);
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    if (res && (!stillStarting(res) || Date.now() >= deadline)) return res;
    await sleep(options.pollIntervalMs ?? 5_000);
  }
}

async function checkHealth(http: Http, options: ValidateOptions): Promise<CheckResult> {
  const url = http.resolve('/api/health/clever-auth')!;
  const res = await readHealth(http, url, options);
  if (res.status === 401 || res.status === 403) throw new KeyRejected(describeFailure(res.status, url));
  const status = field(res.json, 'status');
  const clean = findSecrets(res.text, []).length === 0;
  const why = clean ? reason(res.json) : 'details withheld: the body looks like it contains a secret';
  const suffix = why ? `: ${why}` : '';
  if (res.status === 503 || status === 'unhealthy') {
    return {
      name: 'health',
      status: 'fail',
      message: `Clever authentication is unhealthy (HTTP ${res.status})${suffix}`,
    };
  }
  if (res.status !== 200)
    return { name: 'health', status: 'fail', message: describeFailure(res.status, url, res.location) };
  if (status === 'healthy') {
    const last = field(res.json, 'lastSuccessfulAuthenticationAt');
    return {
      name: 'health',
      status: 'pass',
      message: `healthy${typeof last === 'string' ? ` (last authenticated ${last})` : ''}`,
    };
  }
  if (status === 'degraded') {
    return options.allowDegraded
      ? { name: 'health', status: 'pass', message: `degraded, allowed by --allow-degraded${suffix}` }
      : { name: 'health', status: 'fail', message: `degraded${suffix} (pass --allow-degraded to accept)` };
  }
  return {
    name: 'health',
    status: 'fail',
    message: `unexpected health body: no "status" of healthy, degraded or unhealthy`,
  };
}

async function checkFunctions(http: Http): Promise<CheckResult> {
  const url = http.resolve('/api/functions')!;
  const res = await http.request('GET', url);
  if (res.status === 401 || res.status === 403) throw new KeyRejected(describeFailure(res.status, url));
  if (res.status === 404) {
    return {
      name: 'functions',
      status: 'fail',
      message: 'GET /api/functions was not found (HTTP 404): this build does not expose the function listing',
    };
  }
  if (res.status !== 200)
    return { name: 'functions', status: 'fail', message: describeFailure(res.status, url, res.location) };
  const list = Array.isArray(res.json) ? res.json : field(res.json, 'functions');
  if (!Array.isArray(list)) {
    return {
      name: 'functions',
      status: 'fail',
      message: 'GET /api/functions did not return a list of functions',
    };
  }
  const functions = list.filter((fn): fn is ListedFunction => !!fn && typeof fn === 'object');
  const missing = REQUIRED_FUNCTIONS.filter((req) => !functions.some(req.matches)).map((req) => req.what);
  if (missing.length > 0)
    return { name: 'functions', status: 'fail', message: `not registered: ${missing.join('; ')}` };
  const anonymousSync = functions.find(
    (fn) => isHttp(fn, 'sync', 'POST') && String(fn.authLevel ?? '').toLowerCase() === 'anonymous',
  );
  if (anonymousSync) {
    return {
      name: 'functions',
      status: 'fail',
      message: 'POST /api/sync is anonymous; it must require a function key',
    };
  }
  return {
    name: 'functions',
    status: 'pass',
    message: `${functions.length} functions registered, including the timer and the manual sync API`,
  };
}

async function checkDryRun(http: Http, options: ValidateOptions, school: string): Promise<CheckResult> {
  const fail = (message: string): CheckResult => ({ name: 'dry-run', status: 'fail', message });
  const start = http.resolve(`/api/sync?schoolId=${encodeURIComponent(school)}&dryRun=true`)!;
  const res = await http.request('POST', start);
  if (res.status === 401 || res.status === 403) throw new KeyRejected(describeFailure(res.status, start));
  if (res.status === 409) {
    const running = field(res.json, 'runId');
    return fail(
      `a sync of school ${school} is already running${typeof running === 'string' ? ` (run ${running})` : ''}; try again when it ends`,
    );
  }
  if (res.status === 404) return fail(`school ${school} is not known to this deployment (HTTP 404)`);
  if (res.status === 400)
    return fail(`the app refused the dry run (HTTP 400)${reason(res.json) ? `: ${reason(res.json)}` : ''}`);
  if (res.status === 200) return judgeRun(res.json, school);
  if (res.status !== 202) return fail(describeFailure(res.status, start, res.location));

  const runId = field(res.json, 'runId');
  const statusUrl = field(res.json, 'statusUrl');
  if (typeof statusUrl !== 'string') return fail('HTTP 202 without a statusUrl to poll');
  const pollUrl = http.resolve(statusUrl);
  if (!pollUrl) {
    return fail(
      `statusUrl points to another host (${safeOrigin(statusUrl)}); not sending the function key there`,
    );
  }
  const interval = options.pollIntervalMs ?? 5_000;
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    const poll = await http.request('GET', pollUrl);
    if (poll.status === 401 || poll.status === 403)
      throw new KeyRejected(describeFailure(poll.status, pollUrl));
    if (poll.status !== 200)
      return fail(`polling the run: ${describeFailure(poll.status, pollUrl, poll.location)}`);
    const status = field(poll.json, 'status');
    if (typeof status === 'string' && TERMINAL_RUN_STATUSES.has(status)) return judgeRun(poll.json, school);
    if (Date.now() >= deadline) {
      return fail(
        `run ${typeof runId === 'string' ? runId : ''} still ${String(status ?? 'unknown')} after ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s; follow it at ${pollUrl.pathname}`,
      );
    }
    await sleep(interval);
  }
}

function judgeRun(body: unknown, school: string): CheckResult {
  const status = field(body, 'status');
  const runId = field(body, 'runId');
  const label = `dry run${typeof runId === 'string' ? ` ${runId}` : ''} of school ${school}`;
  if (field(body, 'dryRun') !== undefined && field(body, 'dryRun') !== true) {
    return {
      name: 'dry-run',
      status: 'fail',
      message: `${label} was not a dry run: the app may have written data`,
    };
  }
  if (status === 'Succeeded') return { name: 'dry-run', status: 'pass', message: `${label} Succeeded` };
  const why = findSecrets(JSON.stringify(body ?? null)).length === 0 ? reason(body) : undefined;
  return {
    name: 'dry-run',
    status: 'fail',
    message: `${label} ended ${String(status ?? 'without a status')}${why ? `: ${why}` : ''}`,
  };
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an unparseable URL';
  }
}

/** Runs every check against a deployment; never throws for an HTTP or network failure. */
export async function validateDeployment(options: ValidateOptions): Promise<ValidationReport> {
  const base = parseBaseUrl(options.url);
  const http = new Http(base, options.key, options.requestTimeoutMs ?? 30_000);
  const checks: CheckResult[] = [];
  const steps: Array<[CheckResult['name'], () => Promise<CheckResult>]> = [
    ['health', () => checkHealth(http, options)],
    ['functions', () => checkFunctions(http)],
    [
      'dry-run',
      async () => {
        if (!options.dryRunSchool)
          return { name: 'dry-run', status: 'skip', message: 'no --dry-run-school given' };
        if (checks[0]?.status !== 'pass')
          return { name: 'dry-run', status: 'skip', message: 'skipped: health did not pass' };
        return checkDryRun(http, options, options.dryRunSchool);
      },
    ],
  ];
  for (const [name, run] of steps) {
    try {
      checks.push(await run());
    } catch (error) {
      if (error instanceof KeyRejected) {
        checks.push({ name, status: 'fail', message: error.message });
        break;
      }
      checks.push({ name, status: 'fail', message: networkMessage(error, base) });
      if (name === 'health') break;
    }
  }
  for (const name of ['health', 'functions', 'dry-run'] as const) {
    if (!checks.some((c) => c.name === name))
      checks.push({ name, status: 'skip', message: 'skipped after an earlier failure' });
  }
  checks.push(
    http.findings.length === 0
      ? {
          name: 'secrets',
          status: 'pass',
          message: `${http.responses} response bodies scanned, nothing secret-looking`,
        }
      : {
          name: 'secrets',
          status: 'fail',
          message: `secret-looking content in responses: ${http.findings.join('; ')}`,
        },
  );
  const masked = checks.map((c) => ({ ...c, message: mask(c.message, options.key) }));
  return { ok: masked.every((c) => c.status !== 'fail'), url: base.href.replace(/\/$/, ''), checks: masked };
}

function networkMessage(error: unknown, base: URL): string {
  const cause = field(error, 'cause');
  const code = field(cause, 'code') ?? field(error, 'code');
  if (field(error, 'name') === 'TimeoutError') return `no answer from ${base.origin} in time`;
  return `could not reach ${base.origin}${typeof code === 'string' ? ` (${code})` : ''}`;
}

function mask(text: string, key: string): string {
  return key ? text.split(key).join('***') : text;
}

export class UsageError extends Error {}

/** The app's base URL: http(s), no credentials, no query (the key goes in a header, not the URL). */
export function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url is not a URL: ${raw.replace(/[?#].*$/, '')}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError('--url must be an http(s) URL');
  if (url.username || url.password) throw new UsageError('--url must not contain credentials');
  if (url.search || url.hash) {
    throw new UsageError(
      '--url must not have a query or fragment; pass the key with FUNCTION_KEY or --key, never in the URL',
    );
  }
  return url;
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const LABELS: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

export function formatReport(report: ValidationReport): string[] {
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  return [
    `clever-sync deployment validation: ${report.url}`,
    ...report.checks.map((c) => `  ${LABELS[c.status]}  ${c.name.padEnd(9)} ${c.message}`),
    report.ok ? 'Result: OK' : `Result: FAILED (${failed} of ${report.checks.length} checks failed)`,
  ];
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

const nonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
};

/** Parses arguments, runs the checks and prints the report; returns the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const program = new Command('validate-deployment')
    .description(
      'Checks a deployed clever-sync Function App: health, registered functions, optional dry-run sync, no secrets in responses.',
    )
    .requiredOption('--url <url>', 'base URL of the function app, e.g. https://<app>.azurewebsites.net')
    .option(
      '--key <key>',
      'function key (prefer the FUNCTION_KEY environment variable: arguments show in process lists)',
    )
    .option(
      '--dry-run-school <cleverSchoolId>',
      'also run a dry-run sync of this school and follow it to the end',
    )
    .option('--allow-degraded', 'accept a degraded health status', false)
    .option('--poll-interval-ms <ms>', 'delay between status polls', positiveInt, 5_000)
    .option(
      '--startup-grace-ms <ms>',
      'how long a just-deployed app may still be starting (degraded, host error pages) before health fails',
      nonNegativeInt,
      120_000,
    )
    .option('--timeout-ms <ms>', 'how long the dry run may take', positiveInt, 600_000)
    .option('--request-timeout-ms <ms>', 'timeout of one HTTP request', positiveInt, 30_000)
    .option('--json', 'print the report as JSON', false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  let opts: {
    url: string;
    key?: string;
    dryRunSchool?: string;
    allowDegraded: boolean;
    pollIntervalMs: number;
    startupGraceMs: number;
    timeoutMs: number;
    requestTimeoutMs: number;
    json: boolean;
  };
  try {
    program.parse(argv, { from: 'user' });
    opts = program.opts();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const key = opts.key ?? env.FUNCTION_KEY ?? '';
  if (!key.trim()) {
    io.err('error: no function key: set FUNCTION_KEY (or pass --key)');
    return 2;
  }
  if (opts.key)
    io.err('note: --key is visible in process lists; prefer the FUNCTION_KEY environment variable');
  try {
    parseBaseUrl(opts.url);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${mask(error.message, key)}`);
      return 2;
    }
    throw error;
  }
  const report = await validateDeployment({
    url: opts.url,
    key,
    dryRunSchool: opts.dryRunSchool,
    allowDegraded: opts.allowDegraded,
    pollIntervalMs: opts.pollIntervalMs,
    startupGraceMs: opts.startupGraceMs,
    timeoutMs: opts.timeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs,
  });
  if (opts.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of formatReport(report)) (report.ok ? io.out : io.err)(line);
  return report.ok ? 0 : 1;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(resolve(script)) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const io: Io = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  main(process.argv.slice(2), process.env, io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      io.err(`error: ${error instanceof Error ? error.name : 'unexpected failure'}`);
      process.exitCode = 1;
    },
  );
}
