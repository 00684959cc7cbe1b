import { HttpResponse, http } from 'msw';

/**
 * msw handlers faking Microsoft Entra ID (token endpoint for ClientSecretCredential) and the Key Vault
 * REST API, including its challenge: a request without a bearer token gets 401 with WWW-Authenticate,
 * as the real vault answers. Lets tests run the real SecretClient and credential end to end.
 */
export const FAKE_TENANT = '72f988bf-0000-0000-0000-000000000001';
export const FAKE_AUTHORITY = 'https://login.microsoftonline.com';
export const FAKE_VAULT_URL = 'https://clever-sync-test.vault.azure.net';
const ISSUED_TOKEN = 'fake-aad-access-token-for-key-vault';

export interface FakeKeyVault {
  secrets: Map<string, string>;
  /** Reads that reached the vault with a valid token, per secret name. */
  reads: Map<string, number>;
  /** When true, the vault answers like a host that is down. */
  down: boolean;
  tokenRequests: number;
  handlers: ReturnType<typeof http.get>[];
}

export function fakeKeyVault(initial: Record<string, string> = {}): FakeKeyVault {
  const vault: FakeKeyVault = {
    secrets: new Map(Object.entries(initial)),
    reads: new Map(),
    down: false,
    tokenRequests: 0,
    handlers: [],
  };
  const openId = {
    token_endpoint: `${FAKE_AUTHORITY}/${FAKE_TENANT}/oauth2/v2.0/token`,
    issuer: `${FAKE_AUTHORITY}/${FAKE_TENANT}/v2.0`,
    authorization_endpoint: `${FAKE_AUTHORITY}/${FAKE_TENANT}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${FAKE_AUTHORITY}/${FAKE_TENANT}/oauth2/v2.0/logout`,
    jwks_uri: `${FAKE_AUTHORITY}/${FAKE_TENANT}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
  };
  vault.handlers = [
    http.get(`${FAKE_AUTHORITY}/${FAKE_TENANT}/v2.0/.well-known/openid-configuration`, () =>
      HttpResponse.json(openId),
    ),
    http.post(`${FAKE_AUTHORITY}/${FAKE_TENANT}/oauth2/v2.0/token`, () => {
      vault.tokenRequests++;
      return HttpResponse.json({
        token_type: 'Bearer',
        expires_in: 3600,
        ext_expires_in: 3600,
        access_token: ISSUED_TOKEN,
      });
    }),
    http.get(`${FAKE_VAULT_URL}/secrets/:name/:version?`, ({ request, params }) => {
      if (vault.down) return HttpResponse.error();
      if (request.headers.get('authorization') !== `Bearer ${ISSUED_TOKEN}`) {
        return new HttpResponse(null, {
          status: 401,
          headers: {
            'WWW-Authenticate': `Bearer authorization="${FAKE_AUTHORITY}/${FAKE_TENANT}", resource="https://vault.azure.net"`,
          },
        });
      }
      const name = String(params.name);
      vault.reads.set(name, (vault.reads.get(name) ?? 0) + 1);
      const value = vault.secrets.get(name);
      if (value === undefined) {
        return HttpResponse.json(
          {
            error: {
              code: 'SecretNotFound',
              message: `A secret with (name/id) ${name} was not found in this key vault.`,
            },
          },
          { status: 404 },
        );
      }
      return HttpResponse.json({
        value,
        id: `${FAKE_VAULT_URL}/secrets/${name}/0123456789abcdef`,
        attributes: {
          enabled: true,
          created: 1_700_000_000,
          updated: 1_700_000_000,
          recoveryLevel: 'Recoverable',
        },
      });
    }),
  ];
  return vault;
}
