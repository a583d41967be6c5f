import type { z } from 'zod';
import { canonicalAddress } from './address.js';
import type {
  Cluster,
  ClusterIngest,
  ClusterSlack,
  Director,
  EscalationStep,
  Fileset,
  IngestTokenSource,
  Inventory,
  Mon,
  Policy,
  RealServer,
  SshAccess,
  VirtualService,
} from './inventory.js';
import type {
  ClusterDocument,
  EscalationStepOutput,
  filesetSchema,
  hostSshSchema,
  InventoryDocument,
} from './inventory-schema.js';

type Defaults = InventoryDocument['defaults'];

/**
 * Fills the defaults that depend on other parts of the document: SSH settings from
 * `defaults.ssh`, a real server's port and forwarding from its service, the preferred
 * director of a single-director cluster, escalation to the cluster's channel and approvers.
 * Runs only on a document that passed every check.
 */
export function normalizeInventory(doc: InventoryDocument): Inventory {
  return {
    version: doc.version,
    slack: {
      team: doc.slack.team,
      channels: doc.slack.channels,
      users: doc.slack.users,
      usergroups: doc.slack.usergroups,
    },
    clusters: doc.clusters.map((c) => normalizeCluster(c, doc.defaults)),
  };
}

function normalizeCluster(c: ClusterDocument, defaults: Defaults): Cluster {
  const onlyDirector = c.directors.length === 1;
  const directors: Director[] = c.directors.map((d) => ({
    name: d.name,
    address: d.address,
    preferred: d.preferred || onlyDirector,
    node: d.node ?? d.name,
    ssh: sshAccess(d.address, d.ssh, defaults),
  }));
  const virtualServices: VirtualService[] = c.virtualServices.map((s) => ({
    name: s.name,
    vip: s.vip,
    port: s.port,
    protocol: s.protocol,
    scheduler: s.scheduler,
    ...(s.persistence === undefined ? {} : { persistence: s.persistence }),
    forwarding: s.forwarding,
  }));
  const serviceByName = new Map(virtualServices.map((s) => [s.name, s]));
  const realServers: RealServer[] = c.realServers.map((r) => ({
    name: r.name,
    address: r.address,
    ssh: sshAccess(r.address, r.ssh, defaults),
    services: r.services.map((entry) => {
      const service = serviceByName.get(entry.service);
      const forwarding = entry.forwarding ?? service?.forwarding ?? 'dr';
      return {
        service: entry.service,
        port: entry.port ?? service?.port ?? 0,
        weight: entry.weight,
        forwarding,
      };
    }),
  }));
  const slack: ClusterSlack = {
    channel: c.slack.channel,
    commandChannels: c.slack.commandChannels ?? [c.slack.channel],
    operators: c.slack.operators,
    approvers: c.slack.approvers,
  };
  let mon: Mon | undefined;
  if (c.mon !== undefined) {
    const director = directors.find((d) => d.name === c.mon?.host);
    mon = {
      host: c.mon.host,
      address: director?.address ?? canonicalAddress(c.mon.host) ?? c.mon.host,
      port: c.mon.port,
    };
    if (c.mon.user !== undefined) mon.user = c.mon.user;
    if (c.mon.passwordFile !== undefined) mon.passwordFile = c.mon.passwordFile;
    mon.dtlogFile = c.mon.dtlogFile;
  }
  // Keys in the file's order, optional ones only when present, so --json reads like the YAML.
  const cluster: Cluster = {
    name: c.name,
    ...(c.description === undefined ? {} : { description: c.description }),
    directors,
    ...(c.heartbeat === undefined ? {} : { heartbeat: c.heartbeat }),
    ipvs: c.ipvs,
    virtualServices,
    realServers,
    ...(mon === undefined ? {} : { mon }),
    filesets: c.filesets.map(normalizeFileset),
    slack,
    policy: normalizePolicy(c.policy, slack),
    ...(c.ingest === undefined ? {} : { ingest: normalizeIngest(c.ingest) }),
  };
  return cluster;
}

function normalizeIngest(ingest: NonNullable<ClusterDocument['ingest']>): ClusterIngest {
  return {
    tokens: ingest.tokens.map((t) => {
      // Checked before: exactly one of the three is given.
      const source: IngestTokenSource =
        t.token !== undefined
          ? { token: t.token }
          : t.tokenFile !== undefined
            ? { tokenFile: t.tokenFile }
            : { tokenEnv: t.tokenEnv ?? '' };
      return { name: t.name, ...source, ...(t.hosts === undefined ? {} : { hosts: t.hosts }) };
    }),
  };
}

function sshAccess(address: string, ssh: z.output<typeof hostSshSchema>, defaults: Defaults): SshAccess {
  return {
    host: ssh.host ?? address,
    port: ssh.port ?? defaults.ssh.port,
    user: ssh.user ?? defaults.ssh.user,
    key: ssh.key ?? defaults.ssh.key,
    hostKey: ssh.hostKey.trim(),
    connectTimeout: ssh.connectTimeout ?? defaults.ssh.connectTimeout,
    commandTimeout: ssh.commandTimeout ?? defaults.ssh.commandTimeout,
  };
}

function normalizeFileset(f: z.output<typeof filesetSchema>): Fileset {
  // Checked before: without `mount` there is a device to build it from.
  const built = [
    'mount',
    ...(f.type === undefined ? [] : ['-t', f.type]),
    ...(f.options === undefined ? [] : ['-o', f.options]),
    f.device ?? '',
    f.mountPoint,
  ];
  const fileset: Fileset = {
    name: f.name,
    hosts: f.hosts,
    mountPoint: f.mountPoint,
    mount: f.mount ?? built,
    unmount: f.unmount ?? ['umount', f.mountPoint],
  };
  if (f.device !== undefined) fileset.device = f.device;
  if (f.type !== undefined) fileset.type = f.type;
  if (f.options !== undefined) fileset.options = f.options;
  return fileset;
}

function normalizePolicy(p: ClusterDocument['policy'], slack: ClusterSlack): Policy {
  const escalation: EscalationStep[] = [];
  let step: EscalationStepOutput | undefined = p.escalation ?? { after: 10 * 60_000 };
  while (step !== undefined) {
    escalation.push({
      after: step.after,
      channel: step.channel ?? slack.channel,
      mention: step.mention ?? slack.approvers,
    });
    step = step.then;
  }
  return {
    approval: p.approval,
    capacityFloor: p.capacityFloor,
    auto: p.auto.map((a) => {
      const action: Policy['auto'][number] = {
        service: a.service,
        maxPerServerPerHour: a.maxPerServerPerHour,
      };
      if (a.onDown !== undefined) action.onDown = a.onDown;
      if (a.onUp !== undefined) action.onUp = a.onUp;
      return action;
    }),
    escalation,
    remindEvery: p.remindEvery,
    maxSilence: p.maxSilence,
  };
}
