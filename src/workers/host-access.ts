import type { Cluster, Inventory } from '../config/inventory.js';
import { sshTargetFor } from '../config/lookup.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/target.js';
import { InventoryMismatchError } from './playbook-target.js';

/** How a job reaches the hosts of its cluster: the SSH executor and each host's target. */
export interface HostAccess {
  runner: CommandRunner;
  target(host: string): SshTarget;
}

export function hostAccess(runner: CommandRunner, inventory: Inventory, cluster: Cluster): HostAccess {
  return {
    runner,
    target(host) {
      const found = sshTargetFor(inventory, cluster.name, host);
      if (!found.ok) throw new InventoryMismatchError(found.error.message);
      return found.value;
    },
  };
}
