import { join } from 'node:path';
import type { DirectorPlan, LabPlan } from '../lab-plan.js';

/**
 * The files one UML director boots from (director.env, fstab) and the heartbeat resource
 * group it runs (ha.cf, haresources, authkeys, the lvs-director settings and IPVS rules).
 * Pure text from the plan; `lab up` writes them into the director's directory.
 */

export interface HeartbeatIds {
  hacluster: number;
  haclient: number;
}

/** Sourced by lab/director-init.sh before anything is mounted. */
export function renderDirectorEnv(plan: LabPlan, d: DirectorPlan): string {
  return [
    `FRONT_ADDRESS=${d.frontAddress}/${plan.front.prefixLength}`,
    `BACK_ADDRESS=${d.backAddress}/${plan.back.prefixLength}`,
    `HEARTBEAT=${plan.options.bare ? 'no' : 'yes'}`,
    '',
  ].join('\n');
}

/**
 * The director's private mounts, in one `mount -a -T` call. The root is the host's / read-only,
 * so every place a daemon writes is a tmpfs, and every place the lab needs to see from outside
 * (its logs, /etc/ha.d, /etc/mon, the fileset images) is this director's own
 * directory of the lab state over hostfs.
 */
export function renderDirectorFstab(plan: LabPlan, d: DirectorPlan, ids: HeartbeatIds): string {
  const s = plan.stateDir;
  const fs = plan.fileset;
  const rows: [string, string, string, string][] = [
    ['sysfs', '/sys', 'sysfs', 'defaults'],
    ['devpts', '/dev/pts', 'devpts', 'gid=5,mode=620,X-mount.mkdir'],
    ['tmpfs', '/dev/shm', 'tmpfs', 'mode=1777,X-mount.mkdir'],
    ['tmpfs', '/run', 'tmpfs', 'mode=0755'],
    ['tmpfs', '/tmp', 'tmpfs', 'mode=1777'],
    ['tmpfs', '/var/tmp', 'tmpfs', 'mode=1777'],
    ['tmpfs', '/var/log', 'tmpfs', 'mode=0755'],
    // An empty home: the host's ~/.bashrc would run for every ssh command.
    ['tmpfs', '/root', 'tmpfs', 'mode=0700'],
    ['tmpfs', '/var/lib/mon', 'tmpfs', 'mode=0755'],
    ['tmpfs', '/var/lib/heartbeat', 'tmpfs', 'mode=0755'],
    ['tmpfs', '/srv', 'tmpfs', 'mode=0755'],
    ['hostfs', s, 'hostfs', `${s},X-mount.mkdir`],
    ['tmpfs', '/run/sshd', 'tmpfs', 'mode=0755,X-mount.mkdir'],
    ['tmpfs', '/run/heartbeat', 'tmpfs', `mode=0750,uid=${ids.hacluster},gid=${ids.haclient},X-mount.mkdir`],
    ['hostfs', '/etc/ha.d', 'hostfs', join(d.dir, 'ha.d')],
    ['hostfs', '/etc/mon', 'hostfs', join(d.dir, 'mon')],
    ['hostfs', fs.imageDir, 'hostfs', `${join(d.dir, 'images')},X-mount.mkdir`],
    // The fileset, mounted at boot as a real host's fstab would; the remount playbook
    // unmounts and mounts it with the inventory's argv.
    [fs.image, fs.mountPoint, fs.type, 'loop,X-mount.mkdir'],
  ];
  return [
    '# Mounts of a lab director, made by lab/director-init.sh with one `mount -a -T`.',
    ...rows.map((r) => `${r.join('\t')}\t0 0`),
    '',
  ].join('\n');
}

function haTime(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : `${ms}ms`;
}

export function renderHaCf(plan: LabPlan, d: DirectorPlan): string {
  const t = plan.options.heartbeat;
  const [lb1, lb2] = plan.directors;
  return [
    '# heartbeat between the lab directors (haresources mode, as in the HOWTO).',
    `logfile ${join(d.dir, 'log', 'ha-log')}`,
    `debugfile ${join(d.dir, 'log', 'ha-debug')}`,
    'logfacility none',
    `keepalive ${haTime(t.keepaliveMs)}`,
    `warntime ${haTime(t.warntimeMs)}`,
    `deadtime ${haTime(t.deadtimeMs)}`,
    `initdead ${haTime(t.initdeadMs)}`,
    'udpport 694',
    // Two paths, as the HOWTO's serial cable and ethernet: the front segment and the private back link.
    `ucast vec0 ${lb1.frontAddress}`,
    `ucast vec0 ${lb2.frontAddress}`,
    `ucast vec1 ${lb1.backAddress}`,
    `ucast vec1 ${lb2.backAddress}`,
    `auto_failback ${plan.options.autoFailback ? 'on' : 'off'}`,
    `node ${lb1.name}`,
    `node ${lb2.name}`,
    'crm no',
    '',
  ].join('\n');
}

/** One resource holds the VIP, the IPVS table and mon (see lab/resource.d/lvs-director). */
export function renderHaresources(plan: LabPlan): string {
  const preferred = plan.directors.find((d) => d.preferred)!;
  return `${preferred.name} lvs-director\n`;
}

export function renderAuthkeys(secret: string): string {
  return `auth 1\n1 sha1 ${secret}\n`;
}

export function renderLvsDirectorConf(plan: LabPlan, d: DirectorPlan): string {
  return [
    '# Settings of the lvs-director heartbeat resource (lab/resource.d/lvs-director).',
    `VIP=${plan.vip}`,
    // How /proc/net/ip_vs writes the VIP, so the status check needs no process.
    `VIP_HEX=${plan.vip
      .split('.')
      .map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0'))
      .join('')}`,
    'VIP_DEVICE=vec0',
    'IPVS_RULES=/etc/ha.d/ipvsadm.rules',
    'MON=yes',
    'MON_CF=/etc/mon/mon.cf',
    `MON_LOG=${join(plan.paths.logDir, `${d.name}-mon.log`)}`,
    `STATE_FILE=${join(d.dir, 'resources')}`,
    '',
  ].join('\n');
}

/** The HOWTO's virtual service in `ipvsadm-save -n` form: what `ipvsadm -R` loads on takeover. */
export function renderIpvsRules(plan: LabPlan): string {
  const vs = plan.virtualService;
  const service = `-t ${plan.vip}:${vs.port}`;
  return [
    `-A ${service} -s ${vs.scheduler}`,
    ...plan.realServers.map((r) => `-a ${service} -r ${r.address}:${vs.port} -g -w ${vs.weight}`),
    '',
  ].join('\n');
}
