import { HttpRequest, InvocationContext } from '@azure/functions';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppServices } from '../../src/app.js';
import { toLogObject } from '../../src/errors.js';
import { cleverAuthHealthHandler } from '../../src/functions/health.js';
import { appServicesForTest } from '../support/app-services.js';
import {
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  FAKE_TOKENS_URL,
  fakeCleverOAuth,
} from '../support/fake-clever-oauth.js';

/**
 * Drives failing authentication flows through the real composition root and checks every log
 * line, every error (message, JSON, log view) and every health response for credentials.
 */
const D1 = '5940d254203e37907e0000f0';
const DISTRICT_TOKEN = 'district-token-sanitization-abc123';
const BASIC = Buffer.from(`${FAKE_CLIENT_ID}:${FAKE_CLIENT_SECRET}`).toString('base64');
const CC_TOKEN = 'cc-token-sanitization-xyz789';

const server = setupServer();
let services: AppServices | undefined;
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(async () => {
  await services?.dispose();
  services = undefined;
  server.resetHandlers();
});
afterAll(() => server.close());

/** A server that echoes back whatever credentials it was sent, in every shape. */
function echoingTokenEndpoint(status: number, format: 'json' | 'html') {
  return async ({ request }: { request: Request }) => {
    const authorization = request.headers.get('authorization') ?? '';
    const body = await request.text();
    const echo = `Authorization: ${authorization}; client_secret=${FAKE_CLIENT_SECRET}; body=${body}; access_token=${DISTRICT_TOKEN}`;
    return format === 'json'
      ? HttpResponse.json({ message: echo, access_token: DISTRICT_TOKEN, authorization }, { status })
      : new HttpResponse(`<html><head><title>${echo}</title></head><body>${echo}</body></html>`, {
          status,
          headers: { 'Content-Type': 'text/html' },
        });
  };
}

function assertClean(texts: string[]) {
  const all = texts.join('\n');
  for (const secret of [FAKE_CLIENT_SECRET, BASIC, DISTRICT_TOKEN, CC_TOKEN])
    expect(all).not.toContain(secret);
  expect(all).not.toMatch(/authorization"?\s*[:=]\s*"?(Basic|Bearer)\s+(?!\[REDACTED\])/i);
  expect(all).not.toMatch(/\b(Basic|Bearer)\s+(?!\[REDACTED\])[A-Za-z0-9+/=._-]{6,}/);
}

async function collect(env: Record<string, string>, flows: (s: AppServices) => Promise<unknown>[]) {
  const started = await appServicesForTest({
    CLEVER_TOKENS_URL: FAKE_TOKENS_URL,
    CLEVER_CLIENT_ID: FAKE_CLIENT_ID,
    CLEVER_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    CLEVER_RETRY_COUNT: '1',
    CLEVER_RETRY_INITIAL_DELAY_MS: '0',
    LOG_LEVEL: 'trace',
    ...env,
  });
  services = started.services;
  const texts: string[] = [];
  for (const result of await Promise.allSettled(flows(started.services))) {
    if (result.status === 'rejected') {
      const error = result.reason as Error;
      texts.push(
        error.message,
        String(error.stack),
        JSON.stringify(error),
        JSON.stringify(toLogObject(error)),
      );
      started.services.logger.error({ err: error }, 'flow failed');
    }
  }
  const health = cleverAuthHealthHandler(async () => started.services);
  await started.services.cleverAuthHealth.refresh();
  const response = await health(
    new HttpRequest({ method: 'GET', url: 'http://localhost/api/health/clever-auth' }),
    new InvocationContext({ invocationId: 'inv-sanitize', functionName: 'HealthCleverAuth' }),
  );
  texts.push(JSON.stringify(response.jsonBody));
  texts.push(...started.lines);
  return { texts, response, lines: started.lines };
}

describe('no credential leaks from failing auth flows', () => {
  it.each([
    ['401 JSON echoing the credentials', 401, 'json'],
    ['500 HTML page echoing the credentials', 500, 'html'],
    ['400 JSON echoing the credentials', 400, 'json'],
  ] as const)('district-token discovery: %s', async (_name, status, format) => {
    server.use(http.get(FAKE_TOKENS_URL, echoingTokenEndpoint(status, format)));
    const { texts, response, lines } = await collect({}, (s) => [
      s.cleverAuth.listDistricts(),
      s.cleverAuth.getToken(D1),
      s.cleverAuth.refreshAfterUnauthorized(D1, DISTRICT_TOKEN),
    ]);
    expect(response.status).toBe(503);
    expect(lines.length).toBeGreaterThan(2);
    assertClean(texts);
  });

  it('district-token discovery: a 200 without the envelope that carries tokens', async () => {
    server.use(
      http.get(FAKE_TOKENS_URL, () =>
        HttpResponse.json({ tokens: [{ access_token: DISTRICT_TOKEN, owner: D1 }] }),
      ),
    );
    const { texts } = await collect({}, (s) => [s.cleverAuth.listDistricts()]);
    assertClean(texts);
  });

  it('rotation that returns the same rejected token, and network failures', async () => {
    const clever = fakeCleverOAuth({ [D1]: DISTRICT_TOKEN });
    server.use(...clever.handlers);
    const { texts } = await collect({}, (s) => [
      s.cleverAuth.getToken(D1).then(() => s.cleverAuth.refreshAfterUnauthorized(D1, DISTRICT_TOKEN)),
    ]);
    server.use(http.get(FAKE_TOKENS_URL, () => HttpResponse.error()));
    const more = await collect({}, (s) => [s.cleverAuth.getToken(D1)]);
    assertClean([...texts, ...more.texts]);
  });

  it('client_credentials: rejected grant and a malformed token response', async () => {
    server.use(http.post(FAKE_TOKENS_URL, echoingTokenEndpoint(401, 'json')));
    const rejected = await collect({ CLEVER_AUTH_MODE: 'client-credentials' }, (s) => [
      s.cleverAuth.getToken(D1),
    ]);
    server.use(
      http.post(FAKE_TOKENS_URL, () =>
        HttpResponse.json({ token: CC_TOKEN, expires_in: 'soon', secret: FAKE_CLIENT_SECRET }),
      ),
    );
    const malformed = await collect({ CLEVER_AUTH_MODE: 'client-credentials' }, (s) => [
      s.cleverAuth.getToken(D1),
    ]);
    expect(rejected.response.status).toBe(503);
    assertClean([...rejected.texts, ...malformed.texts]);
  });
});
