import { z } from 'zod';
import { envelopeShape, hostPortSchema } from './envelope.js';

/**
 * The body `contrib/keepalived/notify.sh` posts to `POST /hooks/keepalived`: either keepalived's
 * generic `notify` (TYPE NAME STATE PRIORITY appended by keepalived) or a real server's
 * `notify_up`/`notify_down` (`notify.sh rs NAME up|down [VIP:PORT [RIP:PORT]]`, configured args only).
 */

export const vrrpStateSchema = z.enum(['master', 'backup', 'fault', 'stop', 'deleted']);
export type VrrpState = z.infer<typeof vrrpStateSchema>;

export const vrrpNotifySchema = z.object({
  type: z.literal('vrrp'),
  /** GROUP (a sync group) or INSTANCE (a vrrp_instance). */
  scope: z.enum(['instance', 'group']),
  name: z.string().min(1).max(256),
  state: vrrpStateSchema,
  /** The effective priority; keepalived passes 0 for a group. */
  priority: z.number().int().min(0).max(255),
});

export const realServerNotifySchema = z.object({
  type: z.literal('real-server'),
  /** The name the operator put on the notify_up/notify_down line (an inventory name, say). */
  name: z.string().min(1).max(256),
  state: z.enum(['up', 'down']),
  virtual: hostPortSchema.optional(),
  real: hostPortSchema.optional(),
});

export const keepalivedNotifySchema = z.object({
  kind: z.literal('keepalived-notify'),
  version: z.literal(1),
  ...envelopeShape,
  /** Every argument exactly as keepalived passed it. */
  argv: z.array(z.string().max(4096)).max(50),
  event: z.discriminatedUnion('type', [vrrpNotifySchema, realServerNotifySchema]),
});
export type KeepalivedNotify = z.infer<typeof keepalivedNotifySchema>;
