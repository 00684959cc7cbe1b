import { AppError } from '../errors.js';

/** Reachability of the secret backend, as health reports it. */
export interface CredentialStoreStatus {
  kind: 'key-vault' | 'environment';
  /** `unavailable`: the last read failed for a reason other than a missing secret. */
  state: 'available' | 'unavailable' | 'unknown';
  lastSuccessAt?: Date;
  lastFailureAt?: Date;
  /** Sanitized reason of the last failure. */
  lastError?: { code: string; message: string };
}

/** Where secrets come from: Azure Key Vault in Azure, the environment on a developer machine. */
export interface CredentialStore {
  readonly kind: CredentialStoreStatus['kind'];
  /** The secret's value, or undefined when it does not exist. Throws SECRET_STORE_UNAVAILABLE. */
  getSecret(name: string): Promise<string | undefined>;
  /** The secret's value; throws SECRET_NOT_FOUND naming the secret when it does not exist. */
  requireSecret(name: string): Promise<string>;
  /** Forgets a cached value so the next read goes to the source (e.g. after Clever rejected a token). */
  invalidate(name: string): void;
  status(): CredentialStoreStatus;
}

export class SecretNotFoundError extends AppError {
  constructor(name: string, where: string) {
    super('SECRET_NOT_FOUND', `Secret "${name}" was not found in ${where}`, {
      httpStatus: 500,
      details: { secretName: name, store: where },
    });
  }
}

export class SecretStoreUnavailableError extends AppError {
  constructor(message: string, details: Record<string, unknown>, cause?: unknown) {
    super('SECRET_STORE_UNAVAILABLE', message, { httpStatus: 503, transient: true, details, cause });
  }
}
