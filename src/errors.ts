/**
 * The one error hierarchy of clever-sync. Every error that crosses a module boundary is an
 * AppError: it carries a stable code, the HTTP status a handler should answer with, and a
 * message that is safe to log and to return (never a secret, a token or a connection string).
 * Errors from axios, Prisma, drivers and the Azure SDK are wrapped where they are caught; the
 * raw error is kept as `cause` for debugging but is never serialized (see `toLogObject`).
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'SECRET_NOT_FOUND'
  | 'SECRET_STORE_UNAVAILABLE'
  | 'CLEVER_AUTH_FAILED'
  | 'CLEVER_DISTRICT_DISCONNECTED'
  | 'CLEVER_NOT_FOUND'
  | 'CLEVER_RATE_LIMITED'
  | 'CLEVER_REQUEST_FAILED'
  | 'CLEVER_BAD_RESPONSE'
  | 'CLEVER_LIMIT_TOO_LARGE'
  | 'DATABASE_UNAVAILABLE'
  | 'DATABASE_ERROR'
  | 'MIGRATION_FAILED'
  | 'DATABASE_NOT_MIGRATED'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'SYNC_HELD'
  | 'INTERNAL';

export interface AppErrorOptions {
  /** HTTP status a handler answers with when this error reaches it. */
  httpStatus?: number;
  /** Whether retrying the same operation may succeed. */
  transient?: boolean;
  /** Structured, non-secret context (ids, counts, status codes). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly transient: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = options.httpStatus ?? 500;
    this.transient = options.transient ?? false;
    this.details = options.details ?? {};
  }

  /** What may be logged or returned: code, message, details. Never the cause or its request. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

export class ConfigError extends AppError {
  /** One entry per bad setting, each naming the key (never its value when the key is secret). */
  readonly problems: string[];

  constructor(problems: string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      httpStatus: 500,
      details: { problems },
    });
    this.problems = problems;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('VALIDATION_FAILED', message, { httpStatus: 400, details });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('NOT_FOUND', message, { httpStatus: 404, details });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, { httpStatus: 409, details });
  }
}

/** Turns anything thrown into an AppError without copying unsafe fields of foreign errors. */
export function asAppError(error: unknown, fallbackMessage = 'Unexpected internal error'): AppError {
  if (error instanceof AppError) return error;
  return new AppError('INTERNAL', fallbackMessage, { cause: error });
}

/**
 * A log-safe view of any error. For foreign errors only the class name and a sanitized message
 * are kept: an AxiosError's own toJSON carries request headers (Authorization), so it is never used.
 */
export function toLogObject(error: unknown): Record<string, unknown> {
  if (error instanceof AppError) return error.toJSON();
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'NonError', message: String(error) };
}
