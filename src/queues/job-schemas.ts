import { z } from 'zod';
import { PLAYBOOK_NAMES } from '../config/inventory.js';

/**
 * The data of a remediation job, checked with zod twice: when it is queued (the producer
 * turns what people typed into canonical inventory names, so a bad job never exists) and when
 * a worker picks it up (the only place data comes back in from Redis).
 */

const WEIGHT_RANGE = 'a weight is a whole number from 0 to 65535 (0 takes no new connections)';

export const weightSchema = z
  .number({ error: WEIGHT_RANGE })
  .int({ error: WEIGHT_RANGE })
  .min(0, { error: WEIGHT_RANGE })
  .max(65535, { error: WEIGHT_RANGE });

function durationMs(what: string, min: number, max: number) {
  return z
    .number({ error: `${what} is a duration in milliseconds` })
    .int({ error: `${what} is a whole number of milliseconds` })
    .min(min, { error: `${what} must be at least ${min / 1000}s` })
    .max(max, { error: `${what} must be at most ${max / 3_600_000}h` });
}

/** Drains wait for connections to end; failbacks for heartbeat. */
export const DRAIN_DEFAULTS = { timeoutMs: 600_000, intervalMs: 2_000 } as const;
export const FAILBACK_DEFAULTS = { timeoutMs: 120_000, intervalMs: 2_000 } as const;

const drainTimeout = durationMs('timeout', 1_000, 24 * 3_600_000);
const failbackTimeout = durationMs('timeout', 5_000, 3_600_000);
const interval = durationMs('interval', 500, 60_000);

/** A name or address as typed: at most a DNS name long, and one word. */
const reference = z
  .string({ error: 'expected a name' })
  .min(1, { error: 'a name may not be empty' })
  .max(253, { error: 'a name is at most 253 characters' });

const hostName = z.string().min(1).max(253);
const argv = z.array(z.string().max(100_000)).min(1).max(1_000);
const exitCodes = z.array(z.number().int().min(0).max(255)).min(1).max(256);
const fileText = z.string().max(1_000_000);
const fileMode = z.number().int().min(0).max(0o7777);

/** One command or file of a guided-build step (src/build/apply-job.ts BuildJobAction). */
const buildJobActionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('command'),
    host: hostName,
    what: z.string().max(300),
    argv,
    stdin: fileText.optional(),
    okCodes: exitCodes,
  }),
  z.strictObject({
    kind: z.literal('file'),
    host: hostName,
    what: z.string().max(300),
    path: z
      .string()
      .regex(/^\/[^\0]*$/, { error: 'a file path is absolute' })
      .max(4096),
    mode: fileMode,
    text: fileText,
  }),
  z.strictObject({
    kind: z.literal('secret-file'),
    hosts: z.array(hostName).min(1).max(64),
    what: z.string().max(300),
    path: z
      .string()
      .regex(/^\/[^\0]*$/, { error: 'a file path is absolute' })
      .max(4096),
    mode: fileMode,
    template: fileText,
    placeholder: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  }),
]);

/** A guided-build check (src/build/steps StepCheck): its probes are checked here, the rest by its kind. */
const stepCheckSchema = z.looseObject({
  id: z.string().max(200),
  title: z.string().max(500),
  kind: z.string().max(40),
  probes: z.array(z.strictObject({ host: hostName, argv, okCodes: exitCodes })).max(500),
});

/** The guided build's Apply of one step: the bot renders the step, the job carries it as data. */
const buildStepFields = {
  playbook: z.literal('build-step'),
  step: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'a build step id is lower-case words' }),
  title: z.string().min(1).max(200),
  actions: z.array(buildJobActionSchema).min(1).max(1_000),
  checks: z.array(stepCheckSchema).max(50),
};

/** What the bot and the alert pipeline ask for: names or addresses as people type them. */
export const playbookRequestSchema = z.discriminatedUnion(
  'playbook',
  [
    z.strictObject({
      playbook: z.literal('remove-real-server'),
      cluster: reference.optional(),
      realServer: reference,
      /** A virtual service name or `VIP:PORT`; every service of the real server when absent. */
      service: reference.optional(),
    }),
    z.strictObject({
      playbook: z.literal('restore-real-server'),
      cluster: reference.optional(),
      realServer: reference,
      service: reference.optional(),
      /** The inventory's weight when absent. */
      weight: weightSchema.optional(),
      /** Restore the weight the last drain kept (`/lvs undrain`). */
      undrain: z.boolean().optional(),
    }),
    z.strictObject({
      playbook: z.literal('reweight'),
      cluster: reference.optional(),
      realServer: reference,
      service: reference.optional(),
      weight: weightSchema,
    }),
    z.strictObject({
      playbook: z.literal('drain'),
      cluster: reference.optional(),
      realServer: reference,
      service: reference.optional(),
      timeoutMs: drainTimeout.optional(),
      intervalMs: interval.optional(),
      /** Remove the real server once drained. */
      remove: z.boolean().optional(),
    }),
    z.strictObject({
      playbook: z.literal('force-failback'),
      cluster: reference.optional(),
      timeoutMs: failbackTimeout.optional(),
      intervalMs: interval.optional(),
    }),
    z.strictObject({
      playbook: z.literal('remount-fileset'),
      cluster: reference.optional(),
      fileset: reference,
      /** One host of the fileset; all of them, one after the other, when absent. */
      host: reference.optional(),
      /** Unmount even while the mount point is in use. */
      force: z.boolean().optional(),
    }),
    z.strictObject({ playbook: z.literal('save-rules'), cluster: reference.optional() }),
    z.strictObject({ ...buildStepFields, cluster: reference }),
  ],
  { error: `unknown playbook; the playbooks are ${PLAYBOOK_NAMES.join(', ')}` },
);
export type PlaybookRequest = z.input<typeof playbookRequestSchema>;

const name = z.string().min(1);
const names = z.array(name).min(1);

/** A request resolved against the inventory: canonical names, every default filled. */
export const jobRequestSchema = z.discriminatedUnion('playbook', [
  z.strictObject({
    playbook: z.literal('remove-real-server'),
    cluster: name,
    realServer: name,
    services: names,
  }),
  z.strictObject({
    playbook: z.literal('restore-real-server'),
    cluster: name,
    realServer: name,
    services: names,
    weight: weightSchema.nullable(),
    undrain: z.boolean(),
  }),
  z.strictObject({
    playbook: z.literal('reweight'),
    cluster: name,
    realServer: name,
    services: names,
    weight: weightSchema,
  }),
  z.strictObject({
    playbook: z.literal('drain'),
    cluster: name,
    realServer: name,
    services: names,
    timeoutMs: drainTimeout,
    intervalMs: interval,
    remove: z.boolean(),
  }),
  z.strictObject({
    playbook: z.literal('force-failback'),
    cluster: name,
    timeoutMs: failbackTimeout,
    intervalMs: interval,
  }),
  z.strictObject({
    playbook: z.literal('remount-fileset'),
    cluster: name,
    fileset: name,
    hosts: names,
    force: z.boolean(),
  }),
  z.strictObject({ playbook: z.literal('save-rules'), cluster: name }),
  z.strictObject({ ...buildStepFields, cluster: name }),
]);
export type JobRequest = z.infer<typeof jobRequestSchema>;

/** Who asked: a Slack user, the automatic policy (on an alert), or someone at the command line. */
export const requesterSchema = z.strictObject({
  user: z.string().min(1, { error: 'the requester is needed (a Slack user id, or auto)' }).max(100),
  via: z.enum(['slack', 'auto', 'cli']),
  /** The Slack channel the request came from. */
  channel: z.string().max(100).optional(),
  /** The event that started an automatic job. */
  eventId: z.string().max(200).optional(),
  /** mon's group and service of the incident an automatic job acts for: its end is noted there. */
  group: z.string().max(200).optional(),
  monService: z.string().max(200).optional(),
});
export type Requester = z.infer<typeof requesterSchema>;

export const snapshotSchema = z.strictObject({
  lines: z.array(z.string()).max(10_000),
  hash: z.string().min(1).max(64),
});

/** An approver's yes, with what they saw: the job stops if the table changed since. */
export const approvalSchema = z.strictObject({
  by: z.string().min(1).max(100),
  at: z.number().int().nonnegative(),
  snapshot: snapshotSchema,
  /** The approver explicitly allowed crossing the capacity floor. */
  override: z.boolean().default(false),
  /** The dry-run job whose plan was shown. */
  planJobId: z.string().max(40).optional(),
});
export type Approval = z.infer<typeof approvalSchema>;
export type ApprovalInput = z.input<typeof approvalSchema>;

export const jobKindSchema = z.enum(['plan', 'run']);
export type JobKind = z.infer<typeof jobKindSchema>;

/** What BullMQ keeps as `job.data`. */
export const jobDataSchema = z.strictObject({
  v: z.literal(1),
  kind: jobKindSchema,
  request: jobRequestSchema,
  requestedBy: requesterSchema,
  approval: approvalSchema.nullable(),
  queuedAt: z.number().int().nonnegative(),
});
export type JobData = z.infer<typeof jobDataSchema>;

/** `j42`: what people type in `/lvs job 42` and `/lvs cancel j42`. */
export const JOB_ID = /^j[1-9][0-9]*$/;

/** Reads `42`, `j42` or `#42` as a job id; null when it is none. */
export function parseJobId(text: string): string | null {
  const m = /^(?:j|#)?([1-9][0-9]{0,15})$/i.exec(text.trim());
  return m ? `j${m[1]}` : null;
}
