import type { AddressFamily } from './address.js';

/** The protocol of a virtual service; `fwm` is a firewall-mark service (no address, no port). */
export type Protocol = 'tcp' | 'udp' | 'sctp' | 'fwm';

/**
 * How the director hands packets to a real server. ipvsadm's words: Route (-g) → dr,
 * Masq (-m) → nat, Tunnel (-i) → tun, Local (an address of the director itself; older kernels
 * only, modern ones print Route) → local.
 */
export type Forwarding = 'dr' | 'nat' | 'tun' | 'local';

/** What identifies a virtual service in IPVS: protocol, VIP and port, or a firewall mark. */
export type ServiceId =
  | { protocol: 'tcp' | 'udp' | 'sctp'; family: AddressFamily; address: string; port: number }
  | { protocol: 'fwm'; family: AddressFamily; fwmark: number };

/** Persistence (`-p`): the timeout in seconds and the client netmask (`-M`). */
export interface Persistence {
  timeout: number;
  /** Dotted for IPv4 (default 255.255.255.255), a prefix length for IPv6 (default 128). */
  netmask: string;
  /** The persistence engine (`--pe sip`), or null. */
  engine: string | null;
}

/** Cumulative counters (`--stats`). */
export interface Counters {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
  /** True when any value came with a K/M/G/T suffix (without --exact): a lower bound, not exact. */
  approximate: boolean;
}

/** Rates over the kernel's estimator window (`--rate`): per second. */
export interface Rates {
  cps: number;
  inPps: number;
  outPps: number;
  inBps: number;
  outBps: number;
  approximate: boolean;
}

/** Tunnel encapsulation of a `tun` real server, from `-S -n` (`--tun-type gue --tun-port 6080 --tun-nocsum`). */
export interface TunnelInfo {
  type: 'ipip' | 'gue' | 'gre';
  port: number | null;
  checksum: 'nocsum' | 'csum' | 'remcsum' | null;
}

export interface RealServer {
  family: AddressFamily;
  address: string;
  port: number;
  forwarding: Forwarding;
  weight: number;
  /** ActiveConn / InActConn; null when the source (`-S -n`, `--stats`) does not show them. */
  activeConns: number | null;
  inactiveConns: number | null;
  stats: Counters | null;
  rates: Rates | null;
  /** Only from `-S -n`, only for `tun` real servers. */
  tunnel: TunnelInfo | null;
}

export interface VirtualService {
  id: ServiceId;
  /** Null when the source does not show it (`--stats` and `--rate` listings). */
  scheduler: string | null;
  /** Scheduler flags (`-b`): sh-fallback, sh-port, mh-fallback, mh-port, flag-1..3. */
  schedFlags: string[];
  persistence: Persistence | null;
  /** One-packet scheduling (`-o`, "ops"). */
  ops: boolean;
  stats: Counters | null;
  rates: Rates | null;
  realServers: RealServer[];
}

/** The IPVS table of one director, as read from ipvsadm. */
export interface IpvsTable {
  /** From the listing header (`IP Virtual Server version 1.2.1 (size=4096)`), when present. */
  version: string | null;
  connectionTableSize: number | null;
  services: VirtualService[];
}
