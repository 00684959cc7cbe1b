import { AppError } from '../../errors.js';
import type { CredentialStore } from '../../secrets/index.js';
import { CLEVER_CLIENT_ID_SECRET, CLEVER_CLIENT_SECRET_SECRET } from '../../secrets/index.js';
import { registerSecret } from '../../telemetry/index.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** Resolves the Clever app's client id and secret; undefined when neither place has them. */
export type ClientCredentialsSource = () => Promise<ClientCredentials | undefined>;

/**
 * Settings (CLEVER_CLIENT_ID / CLEVER_CLIENT_SECRET, which App Service may fill from Key Vault
 * references) win; otherwise the credential store's `clever-client-id` / `clever-client-secret`.
 * Read on every use so a rotated secret is picked up when the store's cache expires.
 */
export function clientCredentialsFrom(
  settings: { clientId: string | undefined; clientSecret: string | undefined },
  store?: CredentialStore,
): ClientCredentialsSource {
  return async () => {
    const clientId = settings.clientId ?? (await store?.getSecret(CLEVER_CLIENT_ID_SECRET));
    const clientSecret = settings.clientSecret ?? (await store?.getSecret(CLEVER_CLIENT_SECRET_SECRET));
    if (!clientId && !clientSecret) return undefined;
    if (!clientId || !clientSecret) {
      const missing = clientId ? 'client secret' : 'client id';
      throw new AppError(
        'CLEVER_AUTH_FAILED',
        `Clever ${missing} is not configured: set ${clientId ? 'CLEVER_CLIENT_SECRET' : 'CLEVER_CLIENT_ID'} or ` +
          `the Key Vault secret ${clientId ? CLEVER_CLIENT_SECRET_SECRET : CLEVER_CLIENT_ID_SECRET}`,
        { httpStatus: 503 },
      );
    }
    registerSecret(clientSecret);
    return { clientId, clientSecret };
  };
}

/** `Basic base64(id:secret)`; the encoded form is registered as a secret so it is masked in logs too. */
export function basicAuthorization(credentials: ClientCredentials): string {
  const encoded = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString(
    'base64',
  );
  registerSecret(encoded);
  return `Basic ${encoded}`;
}
