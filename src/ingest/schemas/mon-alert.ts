import { z } from 'zod';
import { envelopeShape, hostPortSchema } from './envelope.js';

/**
 * The body `contrib/mon/slack.alert` posts to `POST /hooks/mon` (docs/interfaces.md, "HTTP" and "Scripts for the cluster's hosts"): mon's argv
 * as received and parsed, the MON_* environment, the monitor's output from stdin, and
 * lvs.alert's flags naming the real server of the virtual service.
 */

/** From mon's type flag (-u up, -a ack, -D disable, -T trap, -O traptimeout); else MON_ALERTTYPE. */
export const monAlertTypeSchema = z.enum([
  'failure',
  'up',
  'ack',
  'disable',
  'trap',
  'traptimeout',
  'startup',
  'test',
]);
export type MonAlertType = z.infer<typeof monAlertTypeSchema>;

const argSchema = z.string().max(4096);

export const monAlertSchema = z.object({
  kind: z.literal('mon-alert'),
  version: z.literal(1),
  ...envelopeShape,
  /** The script's path as mon exec'd it (argv[0]). */
  program: z.string().max(4096),
  /** Every argument exactly as received, without argv[0]. */
  argv: z.array(argSchema).max(500),
  mon: z.object({
    group: z.string().min(1).max(256),
    service: z.string().min(1).max(256),
    /** `-h`: the group's enabled hosts (mon joins them with spaces into one argument). */
    hosts: z.array(z.string().min(1).max(253)).max(10_000),
    /** `-t`: when mon called the alert (unix seconds), not when the failure began. */
    time: z.number().int().nonnegative(),
    type: monAlertTypeSchema,
    /** The user's arguments from the mon.cf alert line that are not options, e.g. "Server is DOWN". */
    args: z.array(argSchema).max(500),
    /** `-l`, documented by mon(8) but never passed by mon 1.3; kept if someone passes it. */
    alertevery: z.string().max(100).optional(),
  }),
  /** lvs.alert's flags, present when any was given. */
  lvs: z
    .object({
      protocol: z.enum(['tcp', 'udp']).optional(),
      virtual: hostPortSchema.optional(),
      real: hostPortSchema.optional(),
      weight: z.number().int().min(0).max(65535).optional(),
      forwarding: z.enum(['dr', 'nat', 'tun']).optional(),
    })
    .optional(),
  /** Every MON_* variable (MON_GROUP, MON_OPSTATUS, MON_LAST_OUTPUT, ...), values as strings. */
  env: z.record(z.string().regex(/^MON_[A-Z0-9_]*$/), z.string().max(16_384)),
  /** The monitor's output: line 1 is the summary, the rest the detail (capped at 64 KiB). */
  stdin: z.object({
    summary: z.string().max(65_536),
    detail: z.string().max(65_536),
    truncated: z.boolean(),
  }),
});
export type MonAlert = z.infer<typeof monAlertSchema>;
