import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DirectorPlan, type LabPlan, labLinks, labNamespaces } from './lab-plan.js';
import { pidAlive } from './processes.js';
import { runCommand } from './run-command.js';

/**
 * The lab's links and network namespaces on this machine. Everything is named from the
 * plan (prefix-…), so teardown deletes exactly what the lab made and never another's.
 */

function disableIpv6(link: string): void {
  const knob = `/proc/sys/net/ipv6/conf/${link}/disable_ipv6`;
  if (existsSync(knob)) writeFileSync(knob, '1');
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

export function namespaceExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

/** Names of this lab's links and namespaces that exist now. */
export function existingLabNames(plan: LabPlan): string[] {
  return [
    ...labLinks(plan).filter(linkExists),
    ...labNamespaces(plan)
      .filter(namespaceExists)
      .map((ns) => `netns ${ns}`),
  ];
}

/**
 * The two bridges, with this machine's address on each. Bridged frames skip the host's
 * iptables (nf_call_*=0): a firewall on this machine must not filter the lab's traffic.
 */
export async function createBridges(plan: LabPlan): Promise<void> {
  const lines: string[] = [];
  for (const seg of [plan.front, plan.back]) {
    lines.push(
      `link add ${seg.bridge} type bridge stp_state 0 forward_delay 0 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0`,
    );
  }
  await runCommand('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
  for (const seg of [plan.front, plan.back]) disableIpv6(seg.bridge);
  const up = [plan.front, plan.back].flatMap((seg) => [
    `addr add ${seg.hostAddress}/${seg.prefixLength} dev ${seg.bridge}`,
    `link set ${seg.bridge} up`,
  ]);
  await runCommand('ip', ['-batch', '-'], { input: `${up.join('\n')}\n` });
}

/** A fresh pair of taps for one boot of a director (a tap is never reused across boots). */
export async function createDirectorTaps(plan: LabPlan, d: DirectorPlan): Promise<void> {
  const lines: string[] = [];
  for (const tap of [d.frontTap, d.backTap]) {
    if (linkExists(tap)) lines.push(`link del ${tap}`);
    lines.push(`tuntap add dev ${tap} mode tap`);
  }
  await runCommand('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
  disableIpv6(d.frontTap);
  disableIpv6(d.backTap);
  const up = [
    `link set ${d.frontTap} master ${plan.front.bridge}`,
    `link set ${d.backTap} master ${plan.back.bridge}`,
    `link set ${d.frontTap} up`,
    `link set ${d.backTap} up`,
  ];
  await runCommand('ip', ['-batch', '-'], { input: `${up.join('\n')}\n` });
}

export interface NamespaceSpec {
  netns: string;
  hostLink: string;
  address: string;
  /** Extra `ip` lines run inside the namespace (e.g. the VIP on lo). */
  ipLines?: string[];
  sysctls?: string[];
}

/** Network namespaces, each with a veth into the front bridge (eth0 inside). */
export async function createNamespaces(plan: LabPlan, specs: NamespaceSpec[]): Promise<void> {
  const host = specs.flatMap((s) => [
    `netns add ${s.netns}`,
    `link add ${s.hostLink} type veth peer name eth0 netns ${s.netns}`,
  ]);
  await runCommand('ip', ['-batch', '-'], { input: `${host.join('\n')}\n` });
  for (const s of specs) disableIpv6(s.hostLink);
  const attach = specs.flatMap((s) => [
    `link set ${s.hostLink} master ${plan.front.bridge}`,
    `link set ${s.hostLink} up`,
  ]);
  await runCommand('ip', ['-batch', '-'], { input: `${attach.join('\n')}\n` });
  await Promise.all(
    specs.map(async (s) => {
      await runCommand('ip', [
        'netns',
        'exec',
        s.netns,
        'sysctl',
        '-q',
        '-w',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
        ...(s.sysctls ?? []),
      ]);
      const inside = [
        'link set lo up',
        `addr add ${s.address}/${plan.front.prefixLength} dev eth0`,
        'link set eth0 up',
        ...(s.ipLines ?? []),
      ];
      await runCommand('ip', ['-n', s.netns, '-batch', '-'], { input: `${inside.join('\n')}\n` });
    }),
  );
}

async function namespacePids(ns: string): Promise<number[]> {
  const r = await runCommand('ip', ['netns', 'pids', ns], { allowFailure: true });
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && pidAlive(n));
}

/**
 * Ends every process inside a namespace (TERM, then KILL until none is left: a dying daemon
 * may start a child after the first listing), then deletes the namespace.
 */
export async function deleteNamespace(ns: string): Promise<string[]> {
  if (!namespaceExists(ns)) return [];
  const killed: string[] = [];
  let pids = await namespacePids(ns);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
      killed.push(String(pid));
    } catch {}
  }
  for (let i = 0; i < 40 && pids.length > 0; i++) {
    await sleep(50);
    pids = await namespacePids(ns);
    if (i >= 10) {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
  }
  await runCommand('ip', ['netns', 'del', ns], { allowFailure: true });
  return killed;
}

/** Deletes the given links that exist; a missing one is not an error. */
export async function deleteLinks(names: string[]): Promise<string[]> {
  const present = names.filter(linkExists);
  if (present.length === 0) return [];
  await runCommand('ip', ['-force', '-batch', '-'], {
    input: `${present.map((l) => `link del ${l}`).join('\n')}\n`,
    allowFailure: true,
  });
  return present;
}
