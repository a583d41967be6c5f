import { z } from 'zod';
import { DURATION_EXAMPLES, parseDuration } from '../core/duration.js';
import { parseHostKeyPins } from '../core/host-key-pin.js';
import { DEFAULT_TYPED_CONFIRMATION, TYPED_CONFIRMATION_CASES } from '../core/policy/approval-rule.js';
import { canonicalAddress } from './address.js';
import { suggestionText } from './closest-names.js';
import { FORWARDINGS, PLAYBOOK_NAMES, PROTOCOLS, SCHEDULERS, type SlackAudience } from './inventory.js';
import { describeValue, unlessMissing } from './zod-issues.js';

/**
 * The inventory's YAML shape (docs/interfaces.md, "Inventory"; examples/inventory.yml). Every object is strict:
 * an unknown key is an error naming it. Field formats and context-free defaults live here;
 * checks across fields are in check-inventory.ts, defaults that depend on other parts
 * (SSH settings, a service's forwarding) in normalize-inventory.ts.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Names appear in Slack commands and Redis keys, and lookups take a name or an address. */
export const nameSchema = z
  .string()
  .regex(NAME, {
    error: 'a name is letters, digits, ".", "_" or "-", starting with a letter or digit, at most 63 long',
  })
  .refine((v) => canonicalAddress(v) === undefined, {
    error: 'a name may not be an address (lookups take either)',
  });

export const addressSchema = z.string().transform((value, ctx) => {
  const canonical = canonicalAddress(value);
  if (canonical === undefined) {
    ctx.issues.push({ code: 'custom', input: value, message: `'${value}' is not an IPv4 or IPv6 address` });
    return z.NEVER;
  }
  return canonical;
});

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An address, or a DNS name (for `ssh.host`, a management name may be all there is). */
export const hostSchema = z.string().transform((value, ctx) => {
  const canonical = canonicalAddress(value);
  if (canonical !== undefined) return canonical;
  if (HOSTNAME.test(value) && !/^[0-9.]+$/.test(value)) return value;
  ctx.issues.push({ code: 'custom', input: value, message: `'${value}' is not an address or a host name` });
  return z.NEVER;
});

export const portSchema = z
  .number()
  .int({ error: 'a port is a whole number' })
  .min(1, { error: 'a port is 1 to 65535' })
  .max(65535, { error: 'a port is 1 to 65535' });

export const weightSchema = z
  .number()
  .int({ error: 'a weight is a whole number' })
  .min(0, { error: 'a weight is 0 to 65535 (0 takes no new connections)' })
  .max(65535, { error: 'a weight is 0 to 65535 (0 takes no new connections)' });

/** `30s` → 30000. A bare number is refused: `30` could mean seconds or minutes. */
export const durationSchema = z
  .union([z.string(), z.number()], {
    error: unlessMissing((v) => `expected a duration like ${DURATION_EXAMPLES}, got ${describeValue(v)}`),
  })
  .transform((value, ctx) => {
    const parsed = parseDuration(String(value));
    if (!parsed.ok) {
      ctx.issues.push({ code: 'custom', input: value, message: parsed.error.message });
      return z.NEVER;
    }
    return parsed.value;
  });

function positiveDuration(fallback: number) {
  return durationSchema
    .refine((ms) => ms > 0, { error: `must be longer than 0 (${DURATION_EXAMPLES})` })
    .default(fallback);
}

export const absolutePathSchema = z
  .string()
  .regex(/^\/[^\0]*$/, { error: 'an absolute path, starting with /' });

/** One argv element: passed to the remote command as is, never through a shell. */
const argSchema = z
  .string()
  .min(1, { error: 'an argument may not be empty' })
  .regex(/^[^\0]*$/, { error: 'an argument may not hold a NUL byte' });

export const argvSchema = z.array(argSchema).min(1, { error: 'an argv list needs at least the command' });

export const hostKeySchema = z.string().superRefine((value, ctx) => {
  const parsed = parseHostKeyPins(value);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', input: value, message: parsed.error });
});

function slackId(pattern: RegExp, what: string) {
  return z.string().regex(pattern, { error: what });
}

export const channelIdSchema = slackId(
  /^[CG][A-Z0-9]{2,}$/,
  'a Slack channel id (C… or G…, like C0LVSOPS), not a #name',
);
export const userIdSchema = slackId(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id (U… or W…, like U0APPROVER)');
export const usergroupIdSchema = slackId(/^S[A-Z0-9]{2,}$/, 'a Slack user group id (S…, like S0LVSADMIN)');
export const teamIdSchema = slackId(/^T[A-Z0-9]{2,}$/, 'a Slack team id (T…, like T0SEED)');

export const schedulerSchema = z.enum(SCHEDULERS, {
  error: unlessMissing((v) => `'${String(v)}' is not a scheduler ipvsadm knows (${SCHEDULERS.join(' ')})`),
});
export const forwardingSchema = z.enum(FORWARDINGS, {
  error: unlessMissing((v) => `'${String(v)}' is not a forwarding method: dr (-g), nat (-m) or tun (-i)`),
});
export const protocolSchema = z.enum(PROTOCOLS, {
  error: unlessMissing((v) => `'${String(v)}' is not a protocol: tcp, udp or sctp`),
});
export const playbookNameSchema = z.enum(PLAYBOOK_NAMES, {
  error: unlessMissing(
    (v) => `'${String(v)}' is not a playbook; ${suggestionText(String(v), PLAYBOOK_NAMES)}`,
  ),
});

/** SSH settings of one host; each falls back to `defaults.ssh`. */
export const hostSshSchema = z.strictObject({
  /** Where to connect when it is not the host's address (a management network). */
  host: hostSchema.optional(),
  user: z.string().min(1).optional(),
  port: portSchema.optional(),
  key: absolutePathSchema.optional(),
  hostKey: hostKeySchema,
  connectTimeout: durationSchema.optional(),
  commandTimeout: durationSchema.optional(),
});

export const defaultsSchema = z
  .strictObject({
    ssh: z
      .strictObject({
        user: z.string().min(1).default('root'),
        port: portSchema.default(22),
        key: absolutePathSchema.default('/etc/lvs-chatops/id_ed25519'),
        connectTimeout: positiveDuration(10_000),
        commandTimeout: positiveDuration(60_000),
      })
      .prefault({}),
  })
  .prefault({});

const slackEntry = <T extends z.ZodType<string>>(id: T) => z.strictObject({ id, name: z.string().min(1) });

export const slackDirectorySchema = z.strictObject({
  team: teamIdSchema,
  channels: z.array(slackEntry(channelIdSchema)).min(1, { error: 'list at least the channels clusters use' }),
  users: z.array(slackEntry(userIdSchema)).default([]),
  usergroups: z.array(slackEntry(usergroupIdSchema)).default([]),
});

export const directorSchema = z.strictObject({
  name: nameSchema,
  address: addressSchema,
  preferred: z.boolean().default(false),
  node: z.string().min(1).optional(),
  ssh: hostSshSchema,
});

export const heartbeatSchema = z.strictObject({
  autoFailback: z.boolean().default(true),
  keepalive: positiveDuration(2_000),
  deadtime: positiveDuration(30_000),
  interface: z.string().min(1),
});

export const ipvsSchema = z
  .strictObject({
    syncStandby: z.boolean().default(true),
    rulesFile: absolutePathSchema.default('/etc/ipvsadm.rules'),
  })
  .prefault({});

export const virtualServiceSchema = z.strictObject({
  name: nameSchema,
  vip: addressSchema,
  port: portSchema,
  protocol: protocolSchema.default('tcp'),
  scheduler: schedulerSchema.default('wlc'),
  persistence: durationSchema
    .refine((ms) => ms >= 1000 && ms % 1000 === 0, { error: 'persistence is whole seconds, at least 1s' })
    .optional(),
  forwarding: forwardingSchema.default('dr'),
});

export const realServerServiceSchema = z.strictObject({
  service: nameSchema,
  port: portSchema.optional(),
  weight: weightSchema.default(1),
  forwarding: forwardingSchema.optional(),
});

export const realServerSchema = z.strictObject({
  name: nameSchema,
  address: addressSchema,
  ssh: hostSshSchema,
  services: z
    .array(realServerServiceSchema)
    .min(1, { error: 'a real server serves at least one virtual service' }),
});

export const monSchema = z.strictObject({
  /** A director's name or an address. */
  host: z.string().min(1),
  port: portSchema.default(2583),
  user: z.string().min(1).optional(),
  passwordFile: absolutePathSchema.optional(),
  /** mon's downtime log on its host (`logdir`/`dtlogfile`), read over SSH for `/lvs incident ID`. */
  dtlogFile: absolutePathSchema.default('/var/log/mon/downtime.log'),
});

export const filesetSchema = z.strictObject({
  name: nameSchema,
  hosts: z.array(nameSchema).min(1, { error: 'a fileset lives on at least one host' }),
  mountPoint: absolutePathSchema,
  device: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  options: z.string().min(1).optional(),
  mount: argvSchema.optional(),
  unmount: argvSchema.optional(),
});

/** Slack users and user groups; either list may be left out. */
const audienceObject = z.strictObject({
  users: z.array(userIdSchema).default([]),
  usergroups: z.array(usergroupIdSchema).default([]),
});
const audienceSchema = audienceObject.prefault({});

export const clusterSlackSchema = z.strictObject({
  channel: channelIdSchema,
  commandChannels: z.array(channelIdSchema).optional(),
  operators: audienceSchema,
  approvers: audienceSchema,
});

/** One escalation step; `then` is the next, its `after` counted from this one. */
export interface EscalationStepInput {
  after: string | number;
  channel?: string | undefined;
  mention?: Partial<SlackAudience> | undefined;
  then?: EscalationStepInput | undefined;
}
export interface EscalationStepOutput {
  after: number;
  channel?: string | undefined;
  mention?: SlackAudience | undefined;
  then?: EscalationStepOutput | undefined;
}

export const escalationStepSchema: z.ZodType<EscalationStepOutput, EscalationStepInput> = z.strictObject({
  after: durationSchema.refine((ms) => ms > 0, { error: 'must be longer than 0' }),
  channel: channelIdSchema.optional(),
  // Not audienceSchema: its prefault would turn a missing mention into nobody.
  mention: audienceObject.optional(),
  // biome-ignore lint/suspicious/noThenProperty: the YAML key is `then` (examples/inventory.yml); normalize-inventory flattens it into a list, so no parsed object leaves config with it
  get then() {
    return escalationStepSchema.optional();
  },
});

export const autoActionSchema = z
  .strictObject({
    service: nameSchema,
    onDown: playbookNameSchema.optional(),
    onUp: playbookNameSchema.optional(),
    maxPerServerPerHour: z.number().int().min(1).default(4),
  })
  .refine((a) => a.onDown !== undefined || a.onUp !== undefined, {
    error: 'an auto entry needs onDown or onUp (or both)',
  });

const TYPED_CONFIRMATION_NAMES = [...PLAYBOOK_NAMES, ...TYPED_CONFIRMATION_CASES] as const;
const typedConfirmationSchema = z.enum(TYPED_CONFIRMATION_NAMES, {
  error: unlessMissing(
    (v) =>
      `'${String(v)}' is neither a playbook nor ${TYPED_CONFIRMATION_CASES.join(' nor ')}; ${suggestionText(String(v), TYPED_CONFIRMATION_NAMES)}`,
  ),
});

export const approvalSchema = z
  .strictObject({
    // Safe by default: every manual change needs an approver unless `notRequired` names it.
    required: z.array(playbookNameSchema).default([...PLAYBOOK_NAMES]),
    notRequired: z.array(playbookNameSchema).default([]),
    typedConfirmation: z.array(typedConfirmationSchema).default([...DEFAULT_TYPED_CONFIRMATION]),
    twoPersonRule: z.boolean().default(true),
    expiry: positiveDuration(15 * 60_000),
  })
  .prefault({});

export const policySchema = z
  .strictObject({
    approval: approvalSchema,
    capacityFloor: z
      .strictObject({
        minServers: z.number().int().min(0).default(1),
        minWeightFraction: z
          .number()
          .min(0, { error: 'a fraction from 0 to 1' })
          .max(1, { error: 'a fraction from 0 to 1' })
          .default(0.5),
      })
      .prefault({}),
    auto: z.array(autoActionSchema).default([]),
    escalation: escalationStepSchema.optional(),
    /** An incident still open this long gets a reminder in its thread, and again every as long. */
    remindEvery: positiveDuration(4 * 3_600_000),
    maxSilence: positiveDuration(86_400_000),
  })
  .prefault({});

// ── Ingest senders: who may post to /hooks/* for a cluster ─────────────────────────────────
// Kept apart from the rest of the cluster schema; check-inventory.ts checks the names in
// `hosts` and that no token is given twice, src/config/ingest-tokens.ts reads the secrets.

/** Environment variables a token may be read from: their names start with INGEST_TOKEN_. */
export const INGEST_TOKEN_VAR = /^INGEST_TOKEN_[A-Z0-9_]+$/;

/** Long enough that guessing is hopeless; `openssl rand -hex 32` gives 64 characters. */
export const MIN_INGEST_TOKEN_LENGTH = 16;

export const ingestTokenSchema = z
  .strictObject({
    /** Names the sender in logs and /metrics (`CLUSTER/NAME`), never the secret. */
    name: nameSchema,
    /** The secret itself, in the inventory: prefer tokenFile or tokenEnv. */
    token: z
      .string()
      .min(MIN_INGEST_TOKEN_LENGTH, {
        error: `an ingest token is at least ${MIN_INGEST_TOKEN_LENGTH} characters; make one with openssl rand -hex 32`,
      })
      .regex(/^\S+$/, {
        error: 'an ingest token has no spaces (it is sent as "Authorization: Bearer TOKEN")',
      })
      .optional(),
    /** A file holding the secret (one line), read when the bot starts. */
    tokenFile: absolutePathSchema.optional(),
    /** An environment variable holding the secret, named INGEST_TOKEN_SOMETHING. */
    tokenEnv: z
      .string()
      .regex(INGEST_TOKEN_VAR, {
        error:
          'an environment variable named INGEST_TOKEN_ and capitals, digits or _ (like INGEST_TOKEN_LAB_MON)',
      })
      .optional(),
    /** The directors or real servers this token may speak as; every host of the cluster when left out. */
    hosts: z.array(nameSchema).min(1, { error: 'list at least one host, or leave hosts out' }).optional(),
  })
  .refine((t) => [t.token, t.tokenFile, t.tokenEnv].filter((v) => v !== undefined).length === 1, {
    error: 'give exactly one of token, tokenFile or tokenEnv',
  });

export const clusterIngestSchema = z.strictObject({
  tokens: z.array(ingestTokenSchema).min(1, { error: 'list at least one token, or leave ingest out' }),
});

// ── end of ingest senders ──────────────────────────────────────────────────────────────────

export const clusterSchema = z.strictObject({
  name: nameSchema,
  description: z.string().optional(),
  directors: z.array(directorSchema).min(1, { error: 'a cluster needs at least one director' }),
  heartbeat: heartbeatSchema.optional(),
  ipvs: ipvsSchema,
  virtualServices: z
    .array(virtualServiceSchema)
    .min(1, { error: 'a cluster needs at least one virtual service' }),
  realServers: z.array(realServerSchema).min(1, { error: 'a cluster needs at least one real server' }),
  mon: monSchema.optional(),
  filesets: z.array(filesetSchema).default([]),
  slack: clusterSlackSchema,
  policy: policySchema,
  ingest: clusterIngestSchema.optional(),
});

export const inventorySchema = z.strictObject({
  version: z.literal(1, {
    error: unlessMissing((v) => `this lvs-chatops reads inventory version 1, not ${describeValue(v)}`),
  }),
  defaults: defaultsSchema,
  slack: slackDirectorySchema,
  clusters: z.array(clusterSchema).min(1, { error: 'an inventory names at least one cluster' }),
});

/** What a program writing an inventory may give (the lab's `lab up` builds one). */
export type InventoryInput = z.input<typeof inventorySchema>;
/** The YAML's shape after field checks, before cross-checks and context defaults. */
export type InventoryDocument = z.output<typeof inventorySchema>;
export type ClusterDocument = z.output<typeof clusterSchema>;
