import { SCHEDULERS as IPVS_SCHEDULERS } from '../core/ipvs/commands.js';
import type { TypedConfirmationCase } from '../core/policy/approval-rule.js';
/**
 * The loaded inventory (docs/interfaces.md, "Inventory"): what `loadInventory` returns once the YAML is valid,
 * every cross-check passed and every default is filled. This is the only inventory type that
 * flows inward; nothing downstream reads the YAML or handles a missing default.
 *
 * Durations are milliseconds. Addresses are canonical (IPv6 compressed, lower case).
 */

/** Schedulers `-s` accepts: ipvsadm's own list (src/core/ipvs), plus twos, which newer kernels schedule with. */
export const SCHEDULERS = [...IPVS_SCHEDULERS, 'twos'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

/** How a director forwards to a real server: direct routing (-g), NAT (-m), tunnel (-i). */
export const FORWARDINGS = ['dr', 'nat', 'tun'] as const;
export type Forwarding = (typeof FORWARDINGS)[number];

export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The playbooks a policy may name. */
export const PLAYBOOK_NAMES = [
  'remove-real-server',
  'restore-real-server',
  'reweight',
  'drain',
  'force-failback',
  'remount-fileset',
  'save-rules',
  /** The guided build's Apply: one step's commands and files (src/build). */
  'build-step',
] as const;
export type PlaybookName = (typeof PLAYBOOK_NAMES)[number];

/**
 * The playbooks that change the IPVS table or who holds it: approval is required for these
 * when the policy does not say otherwise.
 */
export const TABLE_CHANGING_PLAYBOOKS: readonly PlaybookName[] = [
  'remove-real-server',
  'restore-real-server',
  'reweight',
  'drain',
  'force-failback',
  'build-step',
];

export interface Inventory {
  version: 1;
  slack: SlackDirectory;
  clusters: Cluster[];
}

/** The Slack workspace: ids the inventory refers to, with names for display. */
export interface SlackDirectory {
  team: string;
  channels: SlackEntry[];
  users: SlackEntry[];
  usergroups: SlackEntry[];
}

export interface SlackEntry {
  id: string;
  name: string;
}

export interface Cluster {
  name: string;
  description?: string;
  /** At least one; exactly one has `preferred: true`. */
  directors: Director[];
  heartbeat?: Heartbeat;
  ipvs: IpvsSettings;
  virtualServices: VirtualService[];
  realServers: RealServer[];
  mon?: Mon;
  filesets: Fileset[];
  slack: ClusterSlack;
  policy: Policy;
  /** Who may post to /hooks/* for this cluster besides INGEST_TOKEN. */
  ingest?: ClusterIngest;
}

/** How to reach a host over SSH; host-level settings merged over `defaults.ssh`. */
export interface SshAccess {
  /** Where to connect: `ssh.host` when given, else the host's address. */
  host: string;
  port: number;
  user: string;
  /** Path of the private key file. */
  key: string;
  /** The pin, as written: an OpenSSH known_hosts (or .pub) line, or `SHA256:` + 43 base64 chars. */
  hostKey: string;
  connectTimeout: number;
  commandTimeout: number;
}

export interface Director {
  name: string;
  address: string;
  preferred: boolean;
  /** heartbeat's node name (`uname -n`); the director's name when not given. */
  node: string;
  ssh: SshAccess;
}

export interface Heartbeat {
  autoFailback: boolean;
  keepalive: number;
  deadtime: number;
  /** The device heartbeat's ucast lines use. */
  interface: string;
}

export interface IpvsSettings {
  /** Apply every table change to the standby director too. */
  syncStandby: boolean;
  /** Where `ipvsadm-save -n` output is kept on the directors. */
  rulesFile: string;
}

export interface VirtualService {
  name: string;
  vip: string;
  port: number;
  protocol: Protocol;
  scheduler: Scheduler;
  /** Persistence timeout in milliseconds (whole seconds); absent when not persistent. */
  persistence?: number;
  /** The default forwarding of this service's real servers. */
  forwarding: Forwarding;
}

export interface RealServer {
  name: string;
  address: string;
  ssh: SshAccess;
  /** At least one; each names a virtual service of the same cluster. */
  services: RealServerService[];
}

export interface RealServerService {
  service: string;
  /** The service's port when not given (and always, with dr or tun: ipvsadm forces it). */
  port: number;
  weight: number;
  forwarding: Forwarding;
}

export interface Mon {
  /** As written: a director's name, or an address. */
  host: string;
  /** The address to reach mon's client port on. */
  address: string;
  port: number;
  user?: string;
  passwordFile?: string;
  /** Absolute path of mon's downtime log on the mon host (the schema's default: /var/log/mon/downtime.log). */
  dtlogFile?: string;
}

export interface Fileset {
  name: string;
  /** Names of directors or real servers of the cluster. */
  hosts: string[];
  mountPoint: string;
  device?: string;
  type?: string;
  options?: string;
  /** argv, never a shell string. */
  mount: string[];
  unmount: string[];
}

export interface SlackAudience {
  users: string[];
  usergroups: string[];
}

export interface ClusterSlack {
  /** The cluster's default channel. */
  channel: string;
  /** Where /lvs may be used (DMs with the bot always may). */
  commandChannels: string[];
  /** May run /lvs commands that change something. */
  operators: SlackAudience;
  /** May approve a playbook run. */
  approvers: SlackAudience;
}

export interface Policy {
  approval: {
    /** Playbooks that need an approval; default all (see core/policy/approval-rule.ts). */
    required: PlaybookName[];
    /** Playbooks that run without one; wins over `required`. */
    notRequired: PlaybookName[];
    /** Playbooks, `remount-force` and `capacity-override`: the approver types the target's name. */
    typedConfirmation: (PlaybookName | TypedConfirmationCase)[];
    /** The requester may not approve their own request. */
    twoPersonRule: boolean;
    expiry: number;
  };
  capacityFloor: {
    minServers: number;
    /** 0..1 of the service's total weight that must stay in service. */
    minWeightFraction: number;
  };
  auto: AutoAction[];
  /** In order; each step's `after` counts from the previous step (the first from when the bot learned of the incident). */
  escalation: EscalationStep[];
  /** Reminders in the thread of an incident still open after this long, and every as long again. */
  remindEvery: number;
  maxSilence: number;
}

export interface AutoAction {
  service: string;
  onDown?: PlaybookName;
  onUp?: PlaybookName;
  maxPerServerPerHour: number;
}

export interface EscalationStep {
  after: number;
  channel: string;
  mention: SlackAudience;
}

/** A cluster's own ingest tokens: each speaks for this cluster only (and its hosts when listed). */
export interface ClusterIngest {
  tokens: IngestTokenRef[];
}

/** Where an ingest token's secret is; src/config/ingest-tokens.ts reads it when the bot starts. */
export type IngestTokenSource = { token: string } | { tokenFile: string } | { tokenEnv: string };

export type IngestTokenRef = IngestTokenSource & {
  /** Unique in its cluster; the sender is `CLUSTER/NAME` in logs and /metrics. */
  name: string;
  /** Names of directors or real servers of the cluster; absent: every host of the cluster. */
  hosts?: string[];
};
