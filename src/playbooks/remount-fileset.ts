import { makeSnapshot } from '../core/policy/approval-snapshot.js';
import type { Check } from './checks.js';
import { PlanDraft } from './plan-draft.js';
import type { Read } from './reads.js';
import type { Playbook, TargetOf } from './target.js';

/**
 * `remount-fileset`: the inventory's unmount and mount argv on each host of the fileset (the
 * HOWTO's InterMezzo commands by default, any filesystem's in practice), refused while the mount
 * point is in use (`fuser -m`) unless forced, and verified in /proc/mounts.
 */
export const remountFileset: Playbook<TargetOf<'remount-fileset'>> = {
  name: 'remount-fileset',
  reads: (_cluster, target) =>
    target.hosts.flatMap((host): Read[] => [
      { kind: 'mounts', host },
      { kind: 'mount-users', host, mountPoint: target.fileset.mountPoint },
    ]),
  plan({ cluster, target, observed }) {
    const { fileset } = target;
    const draft = new PlanDraft(
      'remount-fileset',
      cluster,
      `Remount ${fileset.name} (${fileset.mountPoint}) on ${target.hosts.join(', ')}${target.force ? ', forced' : ''}`,
    );
    const lines: string[] = [];
    for (const host of target.hosts) {
      const mounts = observed.value({ kind: 'mounts', host });
      if (!mounts) {
        const why = observed.failure({ kind: 'mounts', host }) ?? 'not read';
        draft.block({
          code: 'HOST_UNREADABLE',
          message: `${host}'s mounts could not be read: ${why}`,
          overridable: false,
        });
        continue;
      }
      const entry = mounts.filter((m) => m.mountPoint === fileset.mountPoint).at(-1);
      lines.push(
        entry
          ? `${host}: ${fileset.mountPoint} is ${entry.device} (${entry.type})`
          : `${host}: ${fileset.mountPoint} is not mounted`,
      );
      if (entry) {
        const users = observed.value({ kind: 'mount-users', host, mountPoint: fileset.mountPoint });
        if (users === null) {
          const why =
            observed.failure({ kind: 'mount-users', host, mountPoint: fileset.mountPoint }) ?? 'not read';
          draft.block({
            code: 'HOST_UNREADABLE',
            message: `cannot tell who uses ${fileset.mountPoint} on ${host}: ${why}`,
            overridable: false,
          });
        } else if (users.length > 0) {
          const detail = `${fileset.mountPoint} on ${host} is in use by pid${users.length === 1 ? '' : 's'} ${users.join(' ')}`;
          if (target.force) {
            draft.safety.push({
              name: 'mount point',
              state: 'warn',
              detail: `${detail}; forced: unmounting anyway`,
            });
          } else {
            draft.safety.push({ name: 'mount point', state: 'fail', detail });
            draft.block({
              code: 'MOUNT_POINT_BUSY',
              message: `${detail}; stop them (fuser -vm ${fileset.mountPoint} shows them), or ask again with --force`,
              overridable: false,
            });
          }
        } else {
          draft.safety.push({
            name: 'mount point',
            state: 'pass',
            detail: `nothing uses ${fileset.mountPoint} on ${host}`,
          });
        }
      } else {
        draft.safety.push({
          name: 'mount point',
          state: 'pass',
          detail: `${fileset.mountPoint} is not mounted on ${host}`,
        });
      }
      const unmounted: Check = { kind: 'unmounted', host, mountPoint: fileset.mountPoint };
      const mounted: Check = {
        kind: 'mounted',
        host,
        mountPoint: fileset.mountPoint,
        type: fileset.type ?? null,
      };
      if (entry) {
        draft.steps.push({
          id: `unmount:${host}`,
          title: `Unmount ${fileset.mountPoint} on ${host}`,
          doneWhen: unmounted,
          actions: [{ host, argv: [...fileset.unmount], judge: { kind: 'exit', okCodes: [0] } }],
          wait: null,
          verify: [unmounted],
          rollback: [],
          required: true,
          onlyAfterChange: false,
        });
      }
      draft.steps.push({
        id: `mount:${host}`,
        title: `Mount ${fileset.name} on ${fileset.mountPoint} on ${host}`,
        doneWhen: mounted,
        actions: [{ host, argv: [...fileset.mount], judge: { kind: 'exit', okCodes: [0] } }],
        wait: null,
        verify: [mounted],
        rollback: [],
        required: true,
        onlyAfterChange: false,
      });
    }
    draft.snapshot = makeSnapshot(lines);
    return draft.finish(observed);
  },
};
