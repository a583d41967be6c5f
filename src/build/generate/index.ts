import type { Cluster } from '../../config/inventory.js';
import { err, ok, type Result } from '../../core/result.js';
import { generateArpSysctl } from './arp-sysctl.js';
import { generateAuthkeys } from './authkeys.js';
import { generateEtcHosts } from './etc-hosts.js';
import { generateFstab } from './fstab.js';
import { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';
import { generateHaCf } from './ha-cf.js';
import { generateHaresources } from './haresources.js';
import { generateIfcfgLo } from './ifcfg-lo.js';
import { generateIpvsadmResource } from './ipvsadm-resource.js';
import { generateIpvsadmRules } from './ipvsadm-rules.js';
import { generateLoNetworkd } from './lo-networkd.js';
import { generateMonCf } from './mon-cf.js';

export { ARP_SYSCTLS, HIDDEN_SYSCTLS } from './arp-sysctl.js';
export {
  type DirectorPair,
  directorPair,
  heartbeatParts,
  loVips,
  type MonPlacement,
  monPlacement,
  servicesOf,
} from './cluster-parts.js';
export { GenerateError } from './generate-error.js';
export type { GeneratedFile, GenerateOptions } from './generated-file.js';
export { haTime } from './ha-cf.js';
export { inventoryIpvsTable } from './ipvs-table.js';
export { IPVSADM_RESOURCE } from './ipvsadm-resource.js';
export { MON_DEFAULT_DIRS, MON_DEFAULT_INTERVALS, type MonWatchPlan, monWatchPlan } from './mon-cf.js';
export { type LoVip, loVipPlan } from './real-server-lo.js';

type Generator = (cluster: Cluster, options: GenerateOptions) => Result<GeneratedFile[], GenerateError>;

/** Every kind `lvs-chatops gen` knows, with what it is; generators that pick their own hosts filter by `host` themselves. */
export const GENERATORS = {
  'mon.cf': {
    what: "mon's configuration: a watch per real server, alerts to slack.alert",
    run: generateMonCf,
    byHost: false,
  },
  'ha.cf': {
    what: "heartbeat's configuration, the same on both directors",
    run: generateHaCf,
    byHost: false,
  },
  haresources: {
    what: "heartbeat's resource group: the VIP, the IPVS table, mon",
    run: generateHaresources,
    byHost: false,
  },
  authkeys: { what: "heartbeat's shared key (mode 600)", run: generateAuthkeys, byHost: false },
  'ipvsadm-rules': {
    what: 'the IPVS table in ipvsadm -S -n form, for ipvsadm -R',
    run: (c) => generateIpvsadmRules(c),
    byHost: false,
  },
  'ipvsadm-resource': {
    what: 'the heartbeat resource script that loads the rules file',
    run: (c) => generateIpvsadmResource(c),
    byHost: false,
  },
  'ifcfg-lo': {
    what: "a real server's VIP on lo:N (Red Hat network scripts)",
    run: generateIfcfgLo,
    byHost: true,
  },
  'lo-networkd': {
    what: "a real server's VIP on lo (systemd-networkd)",
    run: generateLoNetworkd,
    byHost: true,
  },
  'arp-sysctl': {
    what: "a real server's ARP sysctls (arp_ignore/arp_announce; hidden for 2.4)",
    run: generateArpSysctl,
    byHost: true,
  },
  hosts: { what: '/etc/hosts lines for every host', run: (c) => generateEtcHosts(c), byHost: false },
  fstab: { what: "the fileset's /etc/fstab line", run: generateFstab, byHost: true },
} satisfies Record<string, { what: string; run: Generator; byHost: boolean }>;

export type GenKind = keyof typeof GENERATORS;
export const GEN_KINDS = Object.keys(GENERATORS) as GenKind[];

export function isGenKind(kind: string): kind is GenKind {
  return Object.hasOwn(GENERATORS, kind);
}

/** Generates one kind for a cluster; with `options.host`, only the files that go on that host. */
export function generate(
  kind: string,
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  if (!isGenKind(kind)) {
    return err(
      new GenerateError('UNKNOWN_KIND', `unknown kind '${kind}'; the kinds are ${GEN_KINDS.join(', ')}`),
    );
  }
  const { host } = options;
  const hostNames = [...cluster.directors, ...cluster.realServers].map((h) => h.name);
  if (host !== undefined && !hostNames.includes(host)) {
    return err(
      new GenerateError(
        'UNKNOWN_HOST',
        `${host} is not a host of cluster ${cluster.name}; known: ${hostNames.join(', ')}`,
      ),
    );
  }
  const g = GENERATORS[kind];
  const files = g.run(cluster, options);
  if (!files.ok || host === undefined || g.byHost) return files;
  const mine = files.value.filter((f) => f.hosts.includes(host));
  if (mine.length === 0) {
    const where = [...new Set(files.value.flatMap((f) => f.hosts))].join(', ');
    return err(new GenerateError('UNKNOWN_HOST', `${kind} does not go on ${host}; it goes on ${where}`));
  }
  return ok(mine.map((f) => ({ ...f, hosts: [host] })));
}
