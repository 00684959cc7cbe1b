import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigSync } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfigSync(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration validation', () => {
  it('applies the documented defaults', () => {
    const config = loadConfigSync({});
    expect(config.clever).toMatchObject({
      apiBaseUrl: 'https://api.clever.com',
      apiVersion: 'v3.0',
      tokensUrl: 'https://clever.com/oauth/tokens',
      authMode: 'district-tokens',
      tokenRefreshFraction: 0.75,
      retry: { count: 5, initialDelayMs: 2_000, maxDelayMs: 32_000 },
    });
    expect(config.sync).toMatchObject({
      maxConcurrentSchools: 5,
      pageSize: 100,
      timerSchedule: '0 0 2 * * *',
    });
    expect(config.health.cacheIntervalSeconds).toBe(30);
    expect(config.azureCredential).toMatchObject({ kind: 'auto', runningInAzure: false });
  });

  it.each([
    ['CLEVER_API_BASE_URL', 'not a url', /^CLEVER_API_BASE_URL: .*(url|URL).* \(got "not a url"\)$/],
    ['CLEVER_API_VERSION', 'v1', /^CLEVER_API_VERSION: must be v3\.0 or v3\.1 \(got "v1"\)$/],
    ['CLEVER_TOKENS_URL', 'clever.com/oauth', /^CLEVER_TOKENS_URL: /],
    ['CLEVER_API_BASE_URL', 'http://api.clever.com', /^CLEVER_API_BASE_URL: must use https .*localhost/],
    ['CLEVER_TOKENS_URL', 'http://clever.com/oauth/tokens', /^CLEVER_TOKENS_URL: must use https/],
    ['CLEVER_AUTH_MODE', 'password', /^CLEVER_AUTH_MODE: .*district-tokens.*client-credentials/],
    ['CLEVER_TOKEN_REFRESH_FRACTION', '1.5', /^CLEVER_TOKEN_REFRESH_FRACTION: .*<1/],
    ['CLEVER_HTTP_TIMEOUT_MS', '10', /^CLEVER_HTTP_TIMEOUT_MS: .*>=1000/],
    ['CLEVER_RETRY_COUNT', 'five', /^CLEVER_RETRY_COUNT: .*number.* \(got "five"\)$/],
    ['CLEVER_RETRY_COUNT', '2.5', /^CLEVER_RETRY_COUNT: .*int/],
    ['SYNC_PAGE_SIZE', '20000', /^SYNC_PAGE_SIZE: .*<=10000 \(got "20000"\)$/],
    ['SYNC_PAGE_SIZE', '0', /^SYNC_PAGE_SIZE: .*>=1/],
    ['SYNC_MAX_CONCURRENT_SCHOOLS', '0', /^SYNC_MAX_CONCURRENT_SCHOOLS: .*>=1/],
    ['HEALTH_CACHE_INTERVAL_SECONDS', '0', /^HEALTH_CACHE_INTERVAL_SECONDS: .*>=1/],
    ['KEY_VAULT_URL', 'my-vault', /^KEY_VAULT_URL: /],
    ['APP_CONFIG_ENDPOINT', 'nope', /^APP_CONFIG_ENDPOINT: /],
    ['AZURE_CREDENTIAL_KIND', 'password', /^AZURE_CREDENTIAL_KIND: /],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL: .*info/],
    ['SYNC_EVENTS_ENABLED', 'maybe', /^SYNC_EVENTS_ENABLED: /],
  ])('%s=%s gives a precise message', (key, value, expected) => {
    const found = problems({ [key]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  it('lists every bad key at once', () => {
    const found = problems({ SYNC_PAGE_SIZE: '0', LOG_LEVEL: 'loud', CLEVER_RETRY_COUNT: '-1' });
    expect(found.map((problem) => problem.split(':')[0])).toEqual([
      'CLEVER_RETRY_COUNT',
      'LOG_LEVEL',
      'SYNC_PAGE_SIZE',
    ]);
  });

  it('never echoes a secret value', () => {
    const error = (() => {
      try {
        loadConfigSync({
          CLEVER_CLIENT_SECRET: ' ',
          SESSION_DATABASE_URL:
            '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/session-database-url)',
          APPLICATIONINSIGHTS_CONNECTION_STRING: '@Microsoft.KeyVault(VaultName=v;SecretName=ai)',
        });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected failure');
    })();
    expect(error.problems).toEqual([
      expect.stringMatching(/^APPLICATIONINSIGHTS_CONNECTION_STRING is an unresolved Key Vault reference/),
      expect.stringMatching(/^SESSION_DATABASE_URL is an unresolved Key Vault reference/),
    ]);
    expect(error.message).not.toContain('SecretUri');
  });

  it('masks credentials inside an echoed non-secret value', () => {
    const found = problems({ CLEVER_API_BASE_URL: 'https://user:hunter2secret@host:notaport/' });
    expect(found[0]).toMatch(/^CLEVER_API_BASE_URL: /);
    expect(found.join('\n')).not.toContain('hunter2secret');
  });

  it('takes the environment over App Configuration over defaults', async () => {
    const config = await loadConfig({
      env: { APP_CONFIG_ENDPOINT: 'https://x.azconfig.io', SYNC_PAGE_SIZE: '250' },
      remote: async () => ({ SYNC_PAGE_SIZE: '999', SYNC_MAX_CONCURRENT_SCHOOLS: '7' }),
    });
    expect(config.sync.pageSize).toBe(250);
    expect(config.sync.maxConcurrentSchools).toBe(7);
    expect(config.sync.timerSchedule).toBe('0 0 2 * * *');
  });

  it('knows it runs in Azure when the platform sets WEBSITE_INSTANCE_ID', () => {
    expect(loadConfigSync({ WEBSITE_INSTANCE_ID: 'abc123' }).azureCredential.runningInAzure).toBe(true);
  });
});
