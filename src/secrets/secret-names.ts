import { ValidationError } from '../errors.js';

/**
 * Key Vault secret naming convention (docs/key-vault.md). Key Vault names allow only letters,
 * digits and dashes (1-127 characters), so ids are appended after a dash as they are; Clever ids
 * are 24-character hex ObjectIds and fit.
 */
export const CLEVER_CLIENT_ID_SECRET = 'clever-client-id';
export const CLEVER_CLIENT_SECRET_SECRET = 'clever-client-secret';
export const SESSION_DATABASE_URL_SECRET = 'session-database-url';
export const DISTRICT_TOKEN_SECRET_PREFIX = 'clever-district-token-';
export const SCHOOL_DATABASE_URL_SECRET_PREFIX = 'school-database-url-';

const SECRET_NAME = /^[A-Za-z0-9-]{1,127}$/;

/** Optional per-district Clever token: `clever-district-token-<cleverDistrictId>`. */
export function districtTokenSecretName(cleverDistrictId: string): string {
  return withId(DISTRICT_TOKEN_SECRET_PREFIX, cleverDistrictId, 'Clever district id');
}

/** Per-school database connection string: `school-database-url-<cleverSchoolId>`. */
export function schoolDatabaseUrlSecretName(cleverSchoolId: string): string {
  return withId(SCHOOL_DATABASE_URL_SECRET_PREFIX, cleverSchoolId, 'Clever school id');
}

/** Throws a clear error for a name Key Vault would reject. */
export function assertValidSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new ValidationError(
      `"${name}" is not a valid Key Vault secret name (1-127 letters, digits and dashes)`,
      { secretName: name },
    );
  }
}

/**
 * Whether `id` can name a secret after either prefix (letters, digits and dashes, short enough for
 * Key Vault's 127 characters): an id that cannot has no secret, so nothing needs to be looked up.
 */
export function isSecretNameSafe(id: string): boolean {
  return /^[A-Za-z0-9-]{1,100}$/.test(id);
}

function withId(prefix: string, id: string, what: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(id)) {
    throw new ValidationError(`${what} "${id}" cannot be part of a Key Vault secret name`, { id });
  }
  const name = `${prefix}${id}`;
  assertValidSecretName(name);
  return name;
}
