import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { districtTokenScopes } from '../tokens.js';
import type { EmulatorWorld } from '../world.js';
import { type ApiResponse, errorJson, json } from './respond.js';

const MAX_BODY_BYTES = 64 * 1024;

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function validClient(world: EmulatorWorld, credentials: { id: string; secret: string } | undefined): boolean {
  return (
    credentials !== undefined &&
    sameSecret(credentials.id, world.options.clientId) &&
    sameSecret(credentials.secret, world.options.clientSecret)
  );
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseForm(body: string, contentType: string | undefined): URLSearchParams {
  if (contentType?.includes('application/json')) {
    const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
    return new URLSearchParams(Object.entries(parsed).map(([k, v]): [string, string] => [k, String(v)]));
  }
  return new URLSearchParams(body);
}

/** GET /oauth/tokens?owner_type=district[&district=id]: Clever's district-token discovery. */
export function listTokens(world: EmulatorWorld, req: IncomingMessage, url: URL): ApiResponse {
  if (!validClient(world, basicCredentials(req.headers.authorization))) {
    return errorJson(401, 'invalid client credentials');
  }
  if (url.searchParams.get('owner_type') !== 'district')
    return errorJson(400, 'owner_type must be "district"');
  const districtId = url.searchParams.get('district') || undefined;
  return json(200, {
    data: world.tokens.list(districtId),
    links: [{ rel: 'self', uri: url.pathname + url.search }],
  });
}

/**
 * POST /oauth/tokens with grant_type=client_credentials: not something Clever offers, but
 * clever-sync supports gateways that issue expiring tokens, and its proactive refresh needs a
 * server that says `expires_in`. Off unless clientCredentialsTtlSeconds is set. The optional
 * `district` field picks the district (default: the first connected one).
 */
export async function issueToken(world: EmulatorWorld, req: IncomingMessage, url: URL): Promise<ApiResponse> {
  const ttl = world.options.clientCredentialsTtlSeconds;
  let form: URLSearchParams;
  try {
    form = parseForm(await readBody(req), req.headers['content-type']);
  } catch {
    return json(400, { error: 'invalid_request', error_description: 'unreadable body' });
  }
  if (ttl === undefined || form.get('grant_type') !== 'client_credentials') {
    return json(400, { error: 'unsupported_grant_type' });
  }
  const fromBody = form.has('client_id')
    ? { id: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' }
    : undefined;
  if (!validClient(world, basicCredentials(req.headers.authorization) ?? fromBody)) {
    return json(401, { error: 'invalid_client' });
  }
  const wanted = form.get('district') ?? url.searchParams.get('district') ?? undefined;
  const district = wanted === undefined ? world.tokens.list()[0]?.owner.id : wanted;
  if (
    district === undefined ||
    world.district(district) === undefined ||
    !world.tokens.isConnected(district)
  ) {
    return json(400, { error: 'invalid_grant', error_description: 'district is not connected' });
  }
  return json(200, {
    access_token: world.tokens.issueClientCredentials(district, ttl),
    token_type: 'bearer',
    expires_in: ttl,
    scope: districtTokenScopes(world.options.sectionsScope).join(' '),
    owner: { type: 'district', id: district },
  });
}
