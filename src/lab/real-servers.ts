import { join } from 'node:path';
import { LabError } from './lab-error.js';
import type { LabPlan, RealServerPlan } from './lab-plan.js';
import type { LabProcess } from './lab-state.js';
import { processStartTime } from './processes.js';
import { spawnDetached } from './run-command.js';

/**
 * A real server is a network namespace on the front segment running two daemons: an HTTP
 * server that answers with the server's name, and sshd.
 */

function started(role: string, pid: number): LabProcess {
  const startTime = processStartTime(pid);
  if (startTime === undefined)
    throw new LabError('LAB_COMMAND_FAILED', `${role} exited as soon as it started`);
  return { role, pid, startTime, group: false };
}

export function httpRole(r: RealServerPlan): string {
  return `${r.name} http`;
}

export function startHttp(plan: LabPlan, r: RealServerPlan): LabProcess {
  const pid = spawnDetached(
    'ip',
    [
      'netns',
      'exec',
      r.netns,
      'python3',
      '-m',
      'http.server',
      String(plan.virtualService.port),
      '--bind',
      '0.0.0.0',
      '--directory',
      join(r.dir, 'www'),
    ],
    join(plan.paths.logDir, `${r.name}-http.log`),
  );
  return started(httpRole(r), pid);
}

export function startSshd(plan: LabPlan, r: RealServerPlan): LabProcess {
  const pid = spawnDetached(
    'ip',
    [
      'netns',
      'exec',
      r.netns,
      'unshare',
      '--uts',
      '--mount',
      '--propagation',
      'private',
      join(plan.paths.binDir, 'real-server-sshd'),
      plan.stateDir,
      r.name,
      join(r.dir, 'sshd_config'),
      join(plan.paths.logDir, `${r.name}-sshd.log`),
    ],
    join(plan.paths.logDir, `${r.name}-sshd.log`),
  );
  return started(`${r.name} sshd`, pid);
}

/** The `ip` lines and sysctls of a real server for LVS-DR: the VIP on lo, never answered in ARP. */
export function realServerNetwork(plan: LabPlan): { ipLines: string[]; sysctls: string[] } {
  if (plan.options.bare) return { ipLines: [], sysctls: [] };
  return {
    ipLines: [`addr add ${plan.vip}/32 dev lo`],
    sysctls: [
      'net.ipv4.conf.all.arp_ignore=1',
      'net.ipv4.conf.all.arp_announce=2',
      'net.ipv4.conf.lo.arp_ignore=1',
      'net.ipv4.conf.lo.arp_announce=2',
      'net.ipv4.conf.eth0.arp_ignore=1',
      'net.ipv4.conf.eth0.arp_announce=2',
    ],
  };
}
