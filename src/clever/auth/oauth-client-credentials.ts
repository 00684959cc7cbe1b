import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { registerSecret } from '../../telemetry/index.js';
import type { RetryingPolicy } from '../http/index.js';
import { CleverApiError, safeRequestPath, sendCleverRequest } from '../http/index.js';

export interface IssuedToken {
  accessToken: string;
  /** Seconds; undefined when the server did not say (the token is then used until a 401). */
  expiresInSeconds: number | undefined;
  scopes: string[];
}

const tokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    expires_in: z.coerce.number().positive().optional(),
    scope: z.string().optional(),
  })
  .loose();

/**
 * Standard OAuth 2.0 client_credentials grant (RFC 6749 §4.4): POST form-encoded
 * `grant_type=client_credentials` with HTTP Basic client authentication. Real Clever has no such
 * grant; this serves gateways in front of Clever that issue expiring tokens.
 */
export async function requestClientCredentialsToken(options: {
  client: AxiosInstance;
  tokenUrl: string;
  authorization: string;
  policy: RetryingPolicy;
}): Promise<IssuedToken> {
  const response = await options.policy.execute(({ attempt }) =>
    sendCleverRequest(
      options.client,
      {
        method: 'POST',
        url: options.tokenUrl,
        data: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
        headers: {
          Authorization: options.authorization,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
      },
      { attempt: attempt + 1 },
    ),
  );
  const parsed = tokenResponseSchema.safeParse(response.data);
  if (!parsed.success) {
    throw new CleverApiError({
      kind: 'invalid-response',
      status: response.status,
      method: 'POST',
      path: safeRequestPath(options.tokenUrl),
      cleverMessage: 'token response without access_token (or with an invalid expires_in)',
    });
  }
  registerSecret(parsed.data.access_token);
  return {
    accessToken: parsed.data.access_token,
    expiresInSeconds: parsed.data.expires_in,
    scopes: parsed.data.scope?.split(' ').filter(Boolean) ?? [],
  };
}
