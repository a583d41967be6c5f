import { filesetMountedChecks } from '../checks.js';
import { shown } from '../commands-text.js';
import { filesOf, type StepContext } from '../step-context.js';
import type { ApplyAction, BuildStep } from '../step-model.js';

/**
 * Mounts unless something is mounted there already (a loop mount would otherwise stack a
 * second one). A fixed script; the mount point and the inventory's argv are its arguments.
 */
export function mountUnlessMountedArgv(mountPoint: string, mount: readonly string[]): string[] {
  return ['sh', '-c', 'mp=$1; shift; mountpoint -q "$mp" || exec "$@"', 'sh', mountPoint, ...mount];
}

/** The guided build's step: the replicated fileset (InterMezzo in the HOWTO), mounted where the inventory says. */
export function filesetStep(ctx: StepContext): BuildStep {
  const { cluster } = ctx;
  const base = {
    id: 'fileset',
    section: '14',
    title: 'The shared fileset',
    what: 'The HOWTO replicated the web pages with InterMezzo: a fileset on an ext3 cache, changes propagated by the lento daemon, mounted with `mount -t intermezzo -o fileset=…,mtpt=…,prestodev=/dev/intermezzo0` and listed in /etc/fstab. InterMezzo left Linux with 2.6 and no current kernel mounts it. The inventory’s mount and unmount argv are what the bot runs, so any replacement (NFS, a cluster file system, a replicated block device) works the same way; /lvs remount runs them and checks /proc/mounts.',
    why: 'Every real server must serve the same pages; a fileset that is not mounted serves an empty directory.',
  };
  if (cluster.filesets.length === 0) {
    return {
      ...base,
      optional: true,
      blocked: `cluster ${cluster.name} has no fileset: add clusters[${cluster.name}].filesets if its servers share files (else skip)`,
      commands: [],
      files: [],
      checks: [],
    };
  }
  const actions: ApplyAction[] = cluster.filesets.flatMap((f) =>
    f.hosts.flatMap((host) => [
      { host, what: `make the mount point ${f.mountPoint}`, argv: ['mkdir', '-p', f.mountPoint] },
      {
        host,
        what: `mount ${f.name} on ${f.mountPoint} (unless mounted)`,
        argv: mountUnlessMountedArgv(f.mountPoint, f.mount),
      },
    ]),
  );
  return {
    ...base,
    commands: cluster.filesets.map((f) => ({
      title: `Fileset ${f.name}`,
      hosts: f.hosts,
      modern: [
        shown(f.mount),
        `grep ' ${f.mountPoint} ' /proc/mounts`,
        `${shown(f.unmount)}   # what /lvs remount runs first`,
      ],
      classic: [
        `mkizofs -F -r ${f.name} /tmp/fs0   # a new fileset (needs loop devices)`,
        `mount -t intermezzo -o loop,fileset=${f.name},mtpt=${f.mountPoint},prestodev=/dev/intermezzo0 IMAGE ${f.mountPoint}`,
        'umountizo   # the HOWTO’s unmount; lento logs to /var/log/lento',
      ],
      ...(f.type === 'intermezzo' && {
        note: 'This fileset is still InterMezzo in the inventory: change its type, device, options and mount argv to the replacement’s.',
      }),
    })),
    files: filesOf(ctx, 'fstab'),
    checks: filesetMountedChecks(cluster),
    apply: {
      summary: `Mount ${cluster.filesets.map((f) => `${f.name} on ${f.hosts.join(', ')}`).join('; ')}`,
      actions,
    },
  };
}
