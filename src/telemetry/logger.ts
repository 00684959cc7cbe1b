import { type DestinationStream, type Logger, pino } from 'pino';
import { toLogObject } from '../errors.js';
import { REDACTED_KEYS, redactText } from './redact.js';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  level?: string;
  /** Where JSON lines go; defaults to stdout. Tests pass a capturing stream. */
  destination?: DestinationStream;
  /** Extra sinks (e.g. Application Insights) that receive every sanitized line. */
  sinks?: ((line: string) => void)[];
  base?: Record<string, unknown>;
}

/**
 * The app's pino logger. Correlation fields (invocationId, runId, districtId, schoolId) are added
 * with `logger.child({...})`. Sanitization happens twice: known secret keys are removed by pino's
 * redact, and every serialized line goes through `redactText` before it reaches any sink.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const sinks = options.sinks ?? [];
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'clever-sync', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_KEYS, censor: '[REDACTED]' },
      // pino's default error serializer copies enumerable fields and causes: an AxiosError's
      // config (with its Authorization header) would be written. Errors are logged by their safe view.
      serializers: { err: safeError, error: safeError },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        streamWrite(line) {
          const safe = redactText(line);
          for (const sink of sinks) sink(safe);
          return safe;
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

function safeError(value: unknown): unknown {
  return value instanceof Error ? toLogObject(value) : value;
}

/** A logger that writes nothing (tests and library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Captures log lines in memory; for tests asserting what was (not) logged. */
export function createCapturingLogger(level = 'trace'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) } as DestinationStream;
  return { logger: createLogger({ level, destination }), lines };
}
