/**
 * Storage Queue messages of the queued modes. A school message (`queue` mode) names the run and
 * the school; a run message (src/runs/run-message.ts) names the run. Either way a redelivered
 * message (the host delivers at least once) finds its work for that run already recorded and
 * does nothing twice.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';

export const SCHOOL_SYNC_MESSAGE_VERSION = 1;

export const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be a run id');
/** Who asked for the run (timer / http / cli); the work itself runs with trigger `queue` or as asked. */
export const requestedBySchema = z.enum(['timer', 'http', 'cli', 'queue', 'test']);

const schoolSyncMessageSchema = z.object({
  v: z.literal(SCHOOL_SYNC_MESSAGE_VERSION),
  runId: runIdSchema,
  schoolId: z.number().int().positive(),
  full: z.boolean(),
  dryRun: z.boolean(),
  force: z.boolean(),
  requestedBy: requestedBySchema,
  enqueuedAt: z.string().datetime(),
});

export type SchoolSyncMessage = z.infer<typeof schoolSyncMessageSchema>;

/**
 * The host hands a queue function the message already JSON-parsed when it is JSON (and the raw
 * string otherwise); both arrive here. A malformed message can never succeed, so it is rejected
 * with a ValidationError (the host retries it and then moves it to the poison queue).
 */
export function parseQueueMessage<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new ValidationError('Queue message is not JSON');
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`,
    );
    throw new ValidationError(`Invalid ${what}: ${problems.join('; ')}`, { problems });
  }
  return result.data;
}

export function parseSchoolSyncMessage(input: unknown): SchoolSyncMessage {
  return parseQueueMessage(schoolSyncMessageSchema, input, 'school sync message');
}

/**
 * Text as the Functions host expects it: the queue extension decodes messages as base64 by default
 * (host.json `extensions.queues.messageEncoding`), so plain JSON would never reach the handler.
 */
export function encodeQueueMessage(message: object): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

export function decodeQueueText(text: string): unknown {
  return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
}
