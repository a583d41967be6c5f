import { z } from 'zod';

/**
 * What a running job reports through `job.updateProgress` (the bot edits its Slack message
 * with it): the phase, the step in hand, and for waits what was last seen (a drain's active
 * connections counting down).
 */
export const jobProgressSchema = z.object({
  phase: z.enum(['reading', 'planning', 'running', 'waiting', 'verifying', 'finished']),
  message: z.string(),
  step: z.object({ index: z.number(), total: z.number(), id: z.string(), title: z.string() }).nullable(),
  wait: z
    .object({
      elapsedMs: z.number(),
      timeoutMs: z.number(),
      detail: z.string(),
      /** The drained real server's active connections, when the wait is a drain's. */
      activeConns: z.number().nullable(),
    })
    .nullable(),
  at: z.number(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;
