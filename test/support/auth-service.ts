import { clientCredentialsFrom } from '../../src/clever/auth/client-credentials.js';
import { CleverAuthService } from '../../src/clever/auth/index.js';
import { CleverHttpClients } from '../../src/clever/http/index.js';
import { loadConfigSync } from '../../src/config/index.js';
import type { CredentialStore } from '../../src/secrets/index.js';
import { type Logger, silentLogger } from '../../src/telemetry/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TOKENS_URL } from './fake-clever-oauth.js';

/** A CleverAuthService wired as the composition root does, from settings, against the fake /oauth/tokens. */
export function authServiceForFake(
  options: {
    settings?: Record<string, string>;
    store?: CredentialStore;
    logger?: Logger;
    withClientCredentials?: boolean;
  } = {},
): CleverAuthService {
  const config = loadConfigSync({
    CLEVER_TOKENS_URL: FAKE_TOKENS_URL,
    CLEVER_API_BASE_URL: 'https://api.clever.test',
    ...(options.withClientCredentials === false
      ? {}
      : { CLEVER_CLIENT_ID: FAKE_CLIENT_ID, CLEVER_CLIENT_SECRET: FAKE_CLIENT_SECRET }),
    ...options.settings,
  });
  return new CleverAuthService({
    clever: config.clever,
    httpClients: new CleverHttpClients({ timeoutMs: config.clever.timeoutMs }),
    credentials: clientCredentialsFrom(config.clever, options.store),
    credentialStore: options.store,
    logger: options.logger ?? silentLogger(),
  });
}
