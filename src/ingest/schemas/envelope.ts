import { z } from 'zod';

/**
 * What every body posted by a host-side sender carries (slack.alert, notify.sh, the ha-log
 * follower): who sent it, from where, when, and a unique id the ingest deduplicates by, so
 * that a resend from a spool is recognised.
 */

/** Same rule as an inventory name: letters, digits, ".", "_", "-", at most 63 long. */
export const clusterNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
  error: 'a cluster name is letters, digits, ".", "_" or "-"',
});

/** UUIDs in practice; any token of safe characters is accepted so other senders can join. */
export const bodyIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/, {
  error: 'an id is 8 to 128 letters, digits, ".", "_", ":" or "-"',
});

export const envelopeShape = {
  id: bodyIdSchema,
  /** When the sender ran (ISO 8601, UTC, with milliseconds). */
  time: z.iso.datetime({ offset: true }),
  /** The host the sender ran on, as `hostname` says. */
  hostname: z.string().min(1).max(253),
  /** The sender and its version, e.g. `slack.alert/1.0.0`. */
  agent: z.string().min(1).max(100),
  cluster: clusterNameSchema.optional(),
};

/** An address (IPv4, IPv6 without brackets, or a name) with an optional port, as ipvsadm takes it. */
export const hostPortSchema = z.object({
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).optional(),
});
export type HostPort = z.infer<typeof hostPortSchema>;
