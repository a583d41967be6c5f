import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { DirectorName, LabPlan } from './lab-plan.js';

export interface VipProbe {
  /** The page that answered (a real server's name), or undefined when nothing answered. */
  page?: string;
  /** The director whose MAC this machine resolved the VIP to, when one did. */
  owner?: DirectorName;
}

/**
 * One HTTP GET of the VIP from this machine's front address, the way a client on the
 * segment reaches it (ARP for the VIP answered by the active director, IPVS-DR to a real
 * server, the reply straight back), and which director's MAC the VIP resolved to.
 */
export async function probeVip(plan: LabPlan, timeoutMs = 1000): Promise<VipProbe> {
  const page = await new Promise<string | undefined>((resolve) => {
    const req = request(
      {
        host: plan.vip,
        port: plan.virtualService.port,
        path: '/',
        localAddress: plan.front.hostAddress,
        timeout: timeoutMs,
        agent: false,
        headers: { connection: 'close' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : undefined));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
  const probe: VipProbe = {};
  if (page !== undefined) probe.page = page;
  const owner = vipOwner(plan);
  if (owner) probe.owner = owner;
  return probe;
}

/** The director whose front MAC the VIP resolves to in this machine's ARP table. */
export function vipOwner(plan: LabPlan): DirectorName | undefined {
  let arp: string;
  try {
    arp = readFileSync('/proc/net/arp', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of arp.split('\n')) {
    const [ip, , flags, mac, , dev] = line.trim().split(/\s+/);
    if (ip !== plan.vip || dev !== plan.front.bridge || flags === '0x0') continue;
    return plan.directors.find((d) => d.frontMac === mac)?.name;
  }
  return undefined;
}
