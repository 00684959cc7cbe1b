import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { readSecretEnvironment } from '../../src/config/index.js';
import {
  CLEVER_CLIENT_ID_SECRET,
  CLEVER_CLIENT_SECRET_SECRET,
  createAzureCredential,
  districtTokenSecretName,
  EnvCredentialStore,
  SESSION_DATABASE_URL_SECRET,
  SecretNotFoundError,
  schoolDatabaseUrlSecretName,
} from '../../src/secrets/index.js';

describe('secret naming convention', () => {
  it('uses the documented names', () => {
    expect(CLEVER_CLIENT_ID_SECRET).toBe('clever-client-id');
    expect(CLEVER_CLIENT_SECRET_SECRET).toBe('clever-client-secret');
    expect(SESSION_DATABASE_URL_SECRET).toBe('session-database-url');
    expect(districtTokenSecretName('5940d254203e37907e0000f0')).toBe(
      'clever-district-token-5940d254203e37907e0000f0',
    );
    expect(schoolDatabaseUrlSecretName('5940d254203e37907e0000f1')).toBe(
      'school-database-url-5940d254203e37907e0000f1',
    );
  });

  it('rejects ids that Key Vault names cannot carry', () => {
    expect(() => districtTokenSecretName('../etc')).toThrow(/Clever district id "..\/etc" cannot be part/);
    expect(() => schoolDatabaseUrlSecretName('')).toThrow(/Clever school id/);
    expect(() => schoolDatabaseUrlSecretName('a'.repeat(120))).toThrow(/not a valid Key Vault secret name/);
  });
});

describe('EnvCredentialStore', () => {
  const store = new EnvCredentialStore(
    readSecretEnvironment({
      env: { CLEVER_DISTRICT_TOKEN_ABC123: 'district-token-from-env', CLEVER_CLIENT_SECRET: '  ' },
    }),
  );

  it('reads a secret from the upper-case, underscored variable', async () => {
    expect(await store.getSecret('clever-district-token-abc123')).toBe('district-token-from-env');
  });

  it('treats blank variables as missing and names the variable to set', async () => {
    expect(await store.getSecret(CLEVER_CLIENT_SECRET_SECRET)).toBeUndefined();
    const error = await store.requireSecret(CLEVER_CLIENT_SECRET_SECRET).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain('variable CLEVER_CLIENT_SECRET');
    expect(store.status().state).toBe('available');
  });
});

describe('createAzureCredential', () => {
  it('uses the managed identity in Azure and DefaultAzureCredential elsewhere when set to auto', () => {
    const base = { kind: 'auto' as const, managedIdentityClientId: undefined };
    expect(createAzureCredential({ ...base, runningInAzure: true })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(createAzureCredential({ ...base, runningInAzure: false })).toBeInstanceOf(DefaultAzureCredential);
  });

  it('honours an explicit kind', () => {
    expect(
      createAzureCredential({
        kind: 'managed-identity',
        managedIdentityClientId: 'uami',
        runningInAzure: false,
      }),
    ).toBeInstanceOf(ManagedIdentityCredential);
    expect(
      createAzureCredential({ kind: 'default', managedIdentityClientId: undefined, runningInAzure: true }),
    ).toBeInstanceOf(DefaultAzureCredential);
  });
});
