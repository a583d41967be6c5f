import { z } from 'zod';

/**
 * How a lab is brought up. Every field has a default, so `lab up` with no flags gives the
 * lab (docs/interfaces.md, "The lab's fixed names"); the prefix, state directory and subnet let two labs run side by side.
 */
export const labOptionsSchema = z.object({
  /** Starts every link and namespace name the lab creates (`lvc-front`, `lvc-web-1`, …). */
  prefix: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,5}$/, {
      error: 'a prefix is 1 to 6 lower-case letters or digits, starting with a letter',
    })
    .default('lvc'),
  /** Keys, configs, logs, the state file and the inventory. Not under /tmp: sshd's StrictModes. */
  stateDir: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]+$/, { error: 'the state directory is an absolute path of plain characters' })
    .refine((p) => !/^\/(tmp|var\/tmp|dev\/shm)(\/|$)/.test(p), {
      error:
        'the state directory may not be under a world-writable directory (sshd StrictModes refuses keys there)',
    })
    .default('/run/lvs-chatops-lab'),
  /** A /23: its first /24 is the front segment (VIP, directors, real servers, client), its second the back. */
  subnet: z
    .string()
    .refine((s) => parseSubnet(s) !== undefined, {
      error: 'the subnet is an IPv4 /23 whose third octet is even, like 10.210.0.0/23',
    })
    .default('10.210.0.0/23'),
  /** Hosts and sshd only: no VIP, no IPVS table, no mon, no heartbeat (the guided build adds them). */
  bare: z.boolean().default(false),
  /** RAM of each UML director. */
  directorMemory: z
    .string()
    .regex(/^[0-9]{2,4}M$/, { error: 'director memory is megabytes, like 128M' })
    .default('128M'),
  /**
   * A mon alert script on this machine, copied into the lab and called for every alert and
   * upalert beside the lab's own lab.alert (e.g. contrib/mon/slack.alert).
   */
  monAlert: z.string().regex(/^\//, { error: 'the alert script is an absolute path' }).optional(),
  /** Environment for the alert script, set per service in mon.cf (e.g. LVS_CHATOPS_URL). */
  monEnv: z
    .record(
      z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'a mon.cf variable name is upper case, digits and _' }),
      z.string().regex(/^[^\n\s]*$/, { error: 'a mon.cf variable value may not hold spaces or newlines' }),
    )
    .default({}),
  /** Where the fileset's image is mounted on each director; under /srv (a private tmpfs there). */
  filesetMountPoint: z
    .string()
    .regex(/^\/srv\/[A-Za-z0-9._-]+$/, {
      error: 'the fileset mount point is a directory right under /srv, like /srv/www',
    })
    .refine((p) => p !== '/srv/images', { error: '/srv/images holds the images; pick another mount point' })
    .default('/srv/www'),
  /** heartbeat's timers (ha.cf), in milliseconds. */
  heartbeat: z
    .object({
      keepaliveMs: z.number().int().min(100).default(250),
      warntimeMs: z.number().int().min(500).default(1500),
      deadtimeMs: z.number().int().min(1000).default(3000),
      initdeadMs: z.number().int().min(1000).default(6000),
    })
    .prefault({})
    .refine((t) => t.deadtimeMs > 2 * t.keepaliveMs, {
      error: 'heartbeat refuses a deadtime of at most twice the keepalive',
    }),
  /**
   * heartbeat's auto_failback: on, the preferred director takes its resources back when it
   * rejoins; off, the peer keeps them until someone fails back (hb_takeover, /lvs failback).
   */
  autoFailback: z.boolean().default(true),
  /** How long `lab up` waits for the directors before giving up. */
  bootTimeoutMs: z.number().int().min(1000).default(90_000),
});

export type LabOptionsInput = z.input<typeof labOptionsSchema>;
export type LabOptions = z.output<typeof labOptionsSchema>;

export interface Subnet {
  /** The first three octets of the front /24, e.g. [10, 210, 0]. */
  front: [number, number, number];
  back: [number, number, number];
}

export function parseSubnet(text: string): Subnet | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/23$/.exec(text);
  if (!m) return undefined;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (a > 255 || b > 255 || c > 254 || c % 2 !== 0) return undefined;
  return { front: [a, b, c], back: [a, b, c + 1] };
}
