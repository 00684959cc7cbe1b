/**
 * One Storage Queue message per run (`queued-run` mode, docs/scaling.md): the HTTP trigger or the
 * timer recorded the run (its SyncRun row, Running, and its leases) and the run queue trigger
 * executes it inside an invocation the Functions host tracks. Delivered twice, the message finds
 * its run started or over and does nothing (src/runs/run-worker.ts).
 */
import { z } from 'zod';
import { parseQueueMessage, requestedBySchema, runIdSchema } from './queue-message.js';

export const RUN_MESSAGE_VERSION = 1;

const runMessageSchema = z.object({
  v: z.literal(RUN_MESSAGE_VERSION),
  kind: z.literal('run'),
  runId: runIdSchema,
  /** As the dispatcher resolved it: internal ids, or the Clever id of a district SessionDb does not know yet. */
  target: z.discriminatedUnion('scope', [
    z.object({ scope: z.literal('all') }),
    z.object({
      scope: z.literal('district'),
      districtId: z.union([z.number().int().positive(), z.string().regex(/^[0-9a-f]{24}$/)]),
    }),
    z.object({ scope: z.literal('school'), schoolId: z.number().int().positive() }),
  ]),
  /** The scope lease the dispatcher holds for the run and hands to the engine (none for a dry run). */
  scopeLease: z
    .string()
    .regex(/^sync:(all|district:[0-9a-f]{24}|school:\d+)$/)
    .nullable(),
  full: z.boolean(),
  dryRun: z.boolean(),
  force: z.boolean(),
  requestedBy: requestedBySchema,
  enqueuedAt: z.string().datetime(),
});

export type RunMessage = z.infer<typeof runMessageSchema>;

export function parseRunMessage(input: unknown): RunMessage {
  return parseQueueMessage(runMessageSchema, input, 'run message');
}
