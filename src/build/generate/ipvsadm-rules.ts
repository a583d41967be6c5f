import type { Cluster } from '../../config/inventory.js';
import { formatSaveRules } from '../../core/ipvs/index.js';
import { err, ok, type Result } from '../../core/result.js';
import { GenerateError } from './generate-error.js';
import type { GeneratedFile } from './generated-file.js';
import { inventoryIpvsTable } from './ipvs-table.js';

/**
 * The IPVS rules file in `ipvsadm -S -n` form (the HOWTO's `ipvsadm-save -n >
 * /etc/sysconfig/ipvsadm`, docs/howto.md, part 7): `-A` per virtual service, `-a` per real server with its
 * forwarding and weight. No comments: `ipvsadm -R` does not skip them.
 */
export function generateIpvsadmRules(cluster: Cluster): Result<GeneratedFile[], GenerateError> {
  if (cluster.virtualServices.length === 0) {
    return err(
      new GenerateError(
        'INVENTORY_MISSING',
        `the rules file needs a virtual service: add one under clusters[${cluster.name}].virtualServices`,
      ),
    );
  }
  return ok([
    {
      kind: 'ipvsadm-rules',
      path: cluster.ipvs.rulesFile,
      hosts: cluster.directors.map((d) => d.name),
      mode: 0o644,
      text: formatSaveRules(inventoryIpvsTable(cluster)),
      notes: [
        `Load it with 'ipvsadm -R < ${cluster.ipvs.rulesFile}' (over an empty table: ipvsadm -C first).`,
      ],
    },
  ]);
}
