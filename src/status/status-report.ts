import { z } from 'zod';

/**
 * What `/lvs status` shows of one cluster, read live from its directors by a worker (the only
 * process with the SSH key) and rendered by the bot. Plain JSON: it travels as a job result.
 */
export const realServerStatusSchema = z.object({
  name: z.string(),
  address: z.string(),
  port: z.number(),
  /** From the active director's table; null when the real server is not in it. */
  weight: z.number().nullable(),
  activeConns: z.number().nullable(),
  inactiveConns: z.number().nullable(),
  forwarding: z.string().nullable(),
  /** up: in the table with weight > 0; drained: weight 0; removed: not in the table. */
  state: z.enum(['up', 'drained', 'removed']),
  /** The inventory's weight, to compare with. */
  expectedWeight: z.number(),
});
export type RealServerStatus = z.infer<typeof realServerStatusSchema>;

export const serviceStatusSchema = z.object({
  name: z.string(),
  /** `TCP 10.0.0.100:80`. */
  label: z.string(),
  scheduler: z.string(),
  /** The virtual service exists in the active director's table. */
  inTable: z.boolean(),
  realServers: z.array(realServerStatusSchema),
  /** Real servers in the table that the inventory does not name. */
  unknown: z.array(z.string()),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

export const directorStatusSchema = z.object({
  name: z.string(),
  preferred: z.boolean(),
  /** Why it could not be read; null when it answered. */
  error: z.string().nullable(),
  holdsVips: z.array(z.string()),
  /** heartbeat's `cl_status rscstatus`, when heartbeat is part of the cluster. */
  resources: z.string().nullable(),
});

export const statusReportSchema = z.object({
  cluster: z.string(),
  readAt: z.number(),
  durationMs: z.number(),
  directors: z.array(directorStatusSchema),
  /** The director holding the VIPs, or why none could be named. */
  active: z.union([
    z.object({ ok: z.literal(true), name: z.string(), evidence: z.string() }),
    z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
  ]),
  services: z.array(serviceStatusSchema),
  /** Differences between the standby's table and the active's ('in sync' when none). */
  drift: z.array(z.object({ standby: z.string(), kind: z.string(), summary: z.string() })),
});
export type StatusReport = z.infer<typeof statusReportSchema>;
