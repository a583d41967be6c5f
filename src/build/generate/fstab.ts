import type { Cluster } from '../../config/inventory.js';
import { err, ok, type Result } from '../../core/result.js';
import { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';

/**
 * The /etc/fstab line of each fileset (docs/howto.md, part 14: the InterMezzo mount options in
 * fstab, so the fileset is mounted at boot), on the fileset's hosts. InterMezzo left Linux
 * with 2.6; any filesystem with a device, a type and options works the same way.
 */
export function generateFstab(
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  if (cluster.filesets.length === 0) {
    return err(
      new GenerateError(
        'INVENTORY_MISSING',
        `cluster ${cluster.name} has no fileset: add one under clusters[${cluster.name}].filesets (name, hosts, mountPoint, device, type)`,
      ),
    );
  }
  const filesets = cluster.filesets.filter(
    (f) => options.host === undefined || f.hosts.includes(options.host),
  );
  if (filesets.length === 0) {
    return err(
      new GenerateError(
        'UNKNOWN_HOST',
        `${options.host} mounts no fileset of cluster ${cluster.name}; the filesets' hosts are ${[...new Set(cluster.filesets.flatMap((f) => f.hosts))].join(', ')}`,
      ),
    );
  }
  const files: GeneratedFile[] = [];
  for (const f of filesets) {
    const missing = (['device', 'type'] as const).filter((k) => f[k] === undefined);
    if (missing.length > 0) {
      return err(
        new GenerateError(
          'INVENTORY_MISSING',
          `the fstab line of fileset ${f.name} needs its ${missing.join(' and ')}: add ${missing.map((k) => `filesets[${f.name}].${k}`).join(' and ')} to the inventory`,
        ),
      );
    }
    const notes = ['Append the line to /etc/fstab; then mount it with the remount playbook or mount(8).'];
    if (f.type === 'intermezzo')
      notes.push(
        "InterMezzo left mainline Linux with 2.6: no current kernel mounts it. Put the replacement's device, type and options in the inventory; the remount playbook runs the inventory's mount argv and checks /proc/mounts, whatever the filesystem.",
      );
    files.push({
      kind: 'fstab',
      path: '/etc/fstab',
      hosts: options.host === undefined ? f.hosts : [options.host],
      mode: 0o644,
      text: `# fileset ${f.name} of cluster ${cluster.name} (lvs-chatops gen fstab)\n${[f.device, f.mountPoint, f.type, f.options ?? 'defaults', '0', '0'].join('\t')}\n`,
      notes,
    });
  }
  return ok(files);
}
