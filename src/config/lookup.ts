import { err, ok, type Result } from '../core/result.js';
import { formatEndpoint, parseEndpoint } from './address.js';
import { closestNames } from './closest-names.js';
import type { Cluster, Director, Fileset, Inventory, RealServer, VirtualService } from './inventory.js';
import { LookupError } from './lookup-error.js';

/**
 * Finding things in the inventory by what an operator types: a name, an address, `VIP:PORT`.
 * An unknown name is a LookupError whose message lists the nearest names the inventory holds.
 */

/** Look only in this cluster; without it, every cluster is searched. */
export interface LookupScope {
  cluster?: string;
}

export interface RealServerMatch {
  cluster: Cluster;
  realServer: RealServer;
}
export interface VirtualServiceMatch {
  cluster: Cluster;
  virtualService: VirtualService;
}
export interface DirectorMatch {
  cluster: Cluster;
  director: Director;
}
export interface FilesetMatch {
  cluster: Cluster;
  fileset: Fileset;
}
export type HostMatch =
  | { cluster: Cluster; role: 'director'; host: Director }
  | { cluster: Cluster; role: 'real-server'; host: RealServer };

/**
 * What the SSH executor needs to reach a host; the same shape as `SshTarget` in
 * src/ssh/target.ts (config may not import ssh). `privateKey` is the key file's path.
 */
export interface InventorySshTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  privateKey: string;
  hostKey: string;
}

export function findCluster(inventory: Inventory, name: string): Result<Cluster, LookupError> {
  const cluster = inventory.clusters.find((c) => c.name === name);
  if (cluster !== undefined) return ok(cluster);
  return err(
    notFound(
      `cluster ${name}`,
      name,
      'the inventory',
      inventory.clusters.map((c) => c.name),
    ),
  );
}

/** A real server by name (`web-2`) or address (`192.168.10.22`). */
export function findRealServer(
  inventory: Inventory,
  query: string,
  scope: LookupScope = {},
): Result<RealServerMatch, LookupError> {
  const address = parseEndpoint(query);
  return findOne(inventory, scope, query, {
    kind: 'real server',
    items: (c) => c.realServers,
    byName: (r) => r.name === query,
    byOther: (r) => address !== undefined && address.port === undefined && r.address === address.address,
    label: (r) => r.name,
    make: (cluster, realServer) => ({ cluster, realServer }),
  });
}

/** A virtual service by name (`web`), `VIP:PORT`, or a VIP that has one service. */
export function findVirtualService(
  inventory: Inventory,
  query: string,
  scope: LookupScope = {},
): Result<VirtualServiceMatch, LookupError> {
  const endpoint = parseEndpoint(query);
  return findOne(inventory, scope, query, {
    kind: 'virtual service',
    items: (c) => c.virtualServices,
    byName: (s) => s.name === query,
    byOther: (s) =>
      endpoint !== undefined &&
      s.vip === endpoint.address &&
      (endpoint.port === undefined || s.port === endpoint.port),
    label: (s) => s.name,
    describe: (s) => `${s.name} (${formatEndpoint(s.vip, s.port)})`,
    make: (cluster, virtualService) => ({ cluster, virtualService }),
  });
}

/** A director by name (`lvs-master`), heartbeat node name (`LVS-Master`) or address. */
export function findDirector(
  inventory: Inventory,
  query: string,
  scope: LookupScope = {},
): Result<DirectorMatch, LookupError> {
  const address = parseEndpoint(query);
  return findOne(inventory, scope, query, {
    kind: 'director',
    items: (c) => c.directors,
    byName: (d) => d.name === query,
    byOther: (d) => d.node === query || (address?.port === undefined && d.address === address?.address),
    label: (d) => d.name,
    make: (cluster, director) => ({ cluster, director }),
  });
}

export function findFileset(
  inventory: Inventory,
  name: string,
  scope: LookupScope = {},
): Result<FilesetMatch, LookupError> {
  return findOne(inventory, scope, name, {
    kind: 'fileset',
    items: (c) => c.filesets,
    byName: (f) => f.name === name,
    byOther: () => false,
    label: (f) => f.name,
    make: (cluster, fileset) => ({ cluster, fileset }),
  });
}

/** A director or a real server, by name or address. */
export function findHost(
  inventory: Inventory,
  query: string,
  scope: LookupScope = {},
): Result<HostMatch, LookupError> {
  const address = parseEndpoint(query);
  const asAddress = (h: Director | RealServer) =>
    address?.port === undefined && h.address === address?.address;
  return findOne<HostMatch['host'], HostMatch>(inventory, scope, query, {
    kind: 'host',
    items: (c) => [...c.directors, ...c.realServers],
    byName: (h) => h.name === query,
    byOther: asAddress,
    label: (h) => h.name,
    make: (cluster, host) =>
      cluster.directors.includes(host as Director)
        ? { cluster, role: 'director', host: host as Director }
        : { cluster, role: 'real-server', host: host as RealServer },
  });
}

/** How to reach a director or real server of `cluster` over SSH. */
export function sshTargetFor(
  inventory: Inventory,
  cluster: string,
  hostName: string,
): Result<InventorySshTarget, LookupError> {
  const found = findHost(inventory, hostName, { cluster });
  return found.ok ? ok(sshTargetOf(found.value.host)) : found;
}

/** Every host of the inventory with its SSH target, directors first (what `doctor` checks). */
export function allSshTargets(
  inventory: Inventory,
): { cluster: string; role: HostMatch['role']; target: InventorySshTarget }[] {
  return inventory.clusters.flatMap((c) => [
    ...c.directors.map((d) => ({ cluster: c.name, role: 'director' as const, target: sshTargetOf(d) })),
    ...c.realServers.map((r) => ({ cluster: c.name, role: 'real-server' as const, target: sshTargetOf(r) })),
  ]);
}

function sshTargetOf(host: Director | RealServer): InventorySshTarget {
  const { ssh } = host;
  return {
    name: host.name,
    host: ssh.host,
    port: ssh.port,
    user: ssh.user,
    privateKey: ssh.key,
    hostKey: ssh.hostKey,
  };
}

interface Finder<T, M> {
  /** What is looked for, in messages ("real server"). */
  kind: string;
  items: (cluster: Cluster) => readonly T[];
  byName: (item: T) => boolean;
  /** A second way to match (an address, a node name); a name match wins over it. */
  byOther: (item: T) => boolean;
  label: (item: T) => string;
  describe?: (item: T) => string;
  make: (cluster: Cluster, item: T) => M;
}

function findOne<T, M>(
  inventory: Inventory,
  scope: LookupScope,
  query: string,
  finder: Finder<T, M>,
): Result<M, LookupError> {
  let clusters = inventory.clusters;
  if (scope.cluster !== undefined) {
    const cluster = findCluster(inventory, scope.cluster);
    if (!cluster.ok) return cluster;
    clusters = [cluster.value];
  }
  const matching = (test: (item: T) => boolean) =>
    clusters.flatMap((cluster) =>
      finder
        .items(cluster)
        .filter(test)
        .map((item) => ({ cluster, item })),
    );
  const byName = matching(finder.byName);
  const found = byName.length > 0 ? byName : matching(finder.byOther);
  const [first, ...others] = found;
  if (first !== undefined && others.length === 0) return ok(finder.make(first.cluster, first.item));
  const describe = finder.describe ?? finder.label;
  if (first !== undefined) {
    const sameCluster = found.every((f) => f.cluster === first.cluster);
    const names = found.map((f) =>
      sameCluster ? describe(f.item) : `${describe(f.item)} in ${f.cluster.name}`,
    );
    const hint = sameCluster ? 'give the name' : 'say which cluster';
    return err(
      new LookupError('AMBIGUOUS', `${query} could be ${names.join(' or ')}; ${hint}`, query, names),
    );
  }
  const where = scope.cluster === undefined ? 'the inventory' : `cluster ${scope.cluster}`;
  const otherKind = otherKindOf(clusters, query, finder.kind);
  if (otherKind !== undefined) {
    return err(
      new LookupError('NOT_IN_INVENTORY', `${query} is a ${otherKind}, not a ${finder.kind}`, query, []),
    );
  }
  const items = clusters.flatMap((c) => finder.items(c));
  return err(notFound(query, query, where, items.map(finder.label), items.map(describe)));
}

/**
 * `web-9 is not in the inventory; did you mean web-1, web-2, web-3?` when names are close,
 * else the known ones (described: `web (192.168.10.100:80)`), so a VIP typo shows the VIPs.
 */
function notFound(
  subject: string,
  query: string,
  where: string,
  names: string[],
  described = names,
): LookupError {
  const close = closestNames(query, names);
  const known = [...new Set(described)];
  const shown = known.slice(0, 12).join(', ') + (known.length > 12 ? `, … (${known.length} in all)` : '');
  const hint =
    close.length > 0
      ? `did you mean ${close.join(', ')}?`
      : known.length > 0
        ? `known: ${shown}`
        : 'there are none';
  const suggestions = close.length > 0 ? close : names;
  return new LookupError('NOT_IN_INVENTORY', `${subject} is not in ${where}; ${hint}`, query, suggestions);
}

/** The query names something of another kind ("lvs-master is a director, not a real server"). */
function otherKindOf(clusters: readonly Cluster[], query: string, kind: string): string | undefined {
  const kinds: [string, (c: Cluster) => { name: string }[]][] = [
    ['director', (c) => c.directors],
    ['real server', (c) => c.realServers],
    ['virtual service', (c) => c.virtualServices],
    ['fileset', (c) => c.filesets],
  ];
  for (const [other, items] of kinds) {
    if (other === kind || (kind === 'host' && (other === 'director' || other === 'real server'))) continue;
    if (clusters.some((c) => items(c).some((i) => i.name === query))) return other;
  }
  return undefined;
}
