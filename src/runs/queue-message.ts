/**
 * One Storage Queue message per school for the scale-out mode. The message names the run it belongs
 * to, so a redelivered message (the host delivers at least once) finds the school's work for that
 * run already recorded and does nothing twice.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';

export const SCHOOL_SYNC_MESSAGE_VERSION = 1;

const schoolSyncMessageSchema = z.object({
  v: z.literal(SCHOOL_SYNC_MESSAGE_VERSION),
  runId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be a run id'),
  schoolId: z.number().int().positive(),
  full: z.boolean(),
  dryRun: z.boolean(),
  force: z.boolean(),
  /** Who asked for the run (timer / http / cli); the school sync itself runs with trigger `queue`. */
  requestedBy: z.enum(['timer', 'http', 'cli', 'queue', 'test']),
  enqueuedAt: z.string().datetime(),
});

export type SchoolSyncMessage = z.infer<typeof schoolSyncMessageSchema>;

/**
 * The host hands a queue function the message already JSON-parsed when it is JSON (and the raw
 * string otherwise); both arrive here. A malformed message can never succeed, so it is rejected
 * with a ValidationError (the host retries it and then moves it to the poison queue).
 */
export function parseSchoolSyncMessage(input: unknown): SchoolSyncMessage {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new ValidationError('Queue message is not JSON');
    }
  }
  const result = schoolSyncMessageSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`,
    );
    throw new ValidationError(`Invalid school sync message: ${problems.join('; ')}`, { problems });
  }
  return result.data;
}

/**
 * Text as the Functions host expects it: the queue extension decodes messages as base64 by default
 * (host.json `extensions.queues.messageEncoding`), so plain JSON would never reach the handler.
 */
export function encodeSchoolSyncMessage(message: SchoolSyncMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

export function decodeQueueText(text: string): unknown {
  return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
}
