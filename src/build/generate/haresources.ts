import type { Cluster } from '../../config/inventory.js';
import { err, ok, type Result } from '../../core/result.js';
import { clusterVips, header, heartbeatParts, isIpv6 } from './cluster-parts.js';
import { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';
import { IPVSADM_RESOURCE } from './ipvsadm-resource.js';

/**
 * /etc/ha.d/haresources: one resource group on the preferred director, as the HOWTO's
 * `MASTER-NODE VIP/mask/bcast ipvsadm mon …` (docs/howto.md, parts 8-9): the VIP(s) first (IPaddr, a /32 on
 * the heartbeat interface, as the HOWTO's eth0:0), then the IPVS table, then mon. Resources
 * start left to right on takeover and stop right to left. Identical on both directors.
 */
export function generateHaresources(
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  const hb = heartbeatParts(cluster, 'haresources');
  if (!hb.ok) return hb;
  const { preferred, standby } = hb.value;
  const vips = clusterVips(cluster);
  if (vips.length === 0) {
    return err(
      new GenerateError(
        'INVENTORY_MISSING',
        `haresources needs a virtual service (its VIP is the resource heartbeat moves): add one under clusters[${cluster.name}].virtualServices`,
      ),
    );
  }
  const v6 = vips.find(isIpv6);
  if (v6) {
    return err(
      new GenerateError(
        'INVENTORY_MISSING',
        `haresources' IPaddr resource takes IPv4, and the VIP ${v6} is IPv6 (heartbeat splits resource arguments on '::'): move that service to keepalived, or give it an IPv4 VIP`,
      ),
    );
  }
  const resources = options.haResources ?? [
    `${IPVSADM_RESOURCE.name}::${cluster.ipvs.rulesFile}`,
    ...(cluster.mon !== undefined ? ['mon'] : []),
  ];
  const bad = resources.find((r) => !/^[A-Za-z0-9_.+/:=-]+$/.test(r));
  if (bad !== undefined)
    return err(new GenerateError('BAD_OPTION', `'${bad}' is not a haresources resource (script::arg::arg)`));
  const group = [preferred.node, ...vips.map((v) => `IPaddr::${v}/32/${hb.value.interface}`), ...resources];
  const notes = [
    `The group starts on ${preferred.node} and moves to ${standby.node} when it fails; the file is the same on both.`,
  ];
  if (options.haResources === undefined) {
    notes.push(
      `${IPVSADM_RESOURCE.name} is the resource script 'lvs-chatops gen ipvsadm-resource' writes (${IPVSADM_RESOURCE.path}); it loads ${cluster.ipvs.rulesFile} on takeover.`,
    );
    if (cluster.mon !== undefined)
      notes.push(
        "mon is Debian's /etc/init.d/mon: disable it at boot (systemctl disable mon), heartbeat starts it.",
      );
  }
  return ok([
    {
      kind: 'haresources',
      path: '/etc/ha.d/haresources',
      hosts: [preferred.name, standby.name],
      mode: 0o644,
      text: [...header('haresources', cluster), group.join(' '), ''].join('\n'),
      notes,
    },
  ]);
}
