import { err, ok, type ParseError, type Result } from '../result.js';
import { parseHostPort, parseIpAddress } from './address.js';
import { DEFAULT_PERSISTENCE_TIMEOUT } from './commands.js';
import type { Forwarding, IpvsTable, RealServer, ServiceId, TunnelInfo, VirtualService } from './model.js';
import { parseCount } from './numbers.js';
import { describeService, realServerKey, serviceKey } from './service-id.js';

const LONG: Record<string, string> = {
  '--add-service': '-A',
  '--add-server': '-a',
  '--tcp-service': '-t',
  '--udp-service': '-u',
  '--fwmark-service': '-f',
  '--ipv6': '-6',
  '--scheduler': '-s',
  '--persistent': '-p',
  '--netmask': '-M',
  '--ops': '-o',
  '--sched-flags': '-b',
  '--real-server': '-r',
  '--gatewaying': '-g',
  '--masquerading': '-m',
  '--ipip': '-i',
  '--weight': '-w',
  '--u-threshold': '-x',
  '--l-threshold': '-y',
};
const FORWARDING_FLAGS: Record<string, Forwarding> = { '-g': 'dr', '-m': 'nat', '-i': 'tun' };

function lineError(code: string, line: number, message: string): ParseError {
  return { code, line, message: `line ${line}: ${message}` };
}

interface Rule {
  command: '-A' | '-a';
  id: ServiceId;
  opts: Map<string, string | true>;
}

const TAKES_VALUE = new Set(['-s', '-M', '--pe', '-b', '-r', '-w', '-x', '-y', '--tun-type', '--tun-port']);
const FLAGS = new Set(['-6', '-o', '-g', '-m', '-i', '--tun-nocsum', '--tun-csum', '--tun-remcsum']);

function parseRule(tokens: string[], n: number): Result<Rule> {
  let command: '-A' | '-a' | null = null;
  let proto: string | null = null;
  let target: string | null = null;
  const opts = new Map<string, string | true>();
  for (let i = 0; i < tokens.length; i++) {
    const raw = tokens[i]!;
    const t = LONG[raw] ?? raw;
    if (i === 0 && t === 'ipvsadm') continue;
    if (t === '-A' || t === '-a') {
      if (command) return err(lineError('IPVS_RULES_BAD_LINE', n, 'two commands on one line'));
      command = t;
    } else if (t === '-t' || t === '-u' || t === '--sctp-service' || t === '-f') {
      if (proto) return err(lineError('IPVS_RULES_BAD_LINE', n, 'two services on one line'));
      proto = t;
      target = tokens[++i] ?? null;
      if (target === null) return err(lineError('IPVS_RULES_BAD_LINE', n, `${raw} needs a value`));
    } else if (t === '-p') {
      // `-p` takes an optional timeout, as in ipvsadm.
      const next = tokens[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        opts.set('-p', next);
        i++;
      } else opts.set('-p', String(DEFAULT_PERSISTENCE_TIMEOUT));
    } else if (TAKES_VALUE.has(t)) {
      const v = tokens[++i];
      if (v === undefined) return err(lineError('IPVS_RULES_BAD_LINE', n, `${raw} needs a value`));
      opts.set(t, v);
    } else if (FLAGS.has(t)) {
      if ((t === '-g' || t === '-m' || t === '-i') && ['-g', '-m', '-i'].some((f) => opts.has(f))) {
        return err(lineError('IPVS_RULES_BAD_LINE', n, 'two forwarding methods on one line'));
      }
      opts.set(t, true);
    } else {
      return err(lineError('IPVS_RULES_BAD_LINE', n, `'${raw}' is not an option ipvsadm -R takes here`));
    }
  }
  if (!command)
    return err(lineError('IPVS_RULES_BAD_LINE', n, 'neither -A (add service) nor -a (add server)'));
  if (!proto || target === null)
    return err(lineError('IPVS_RULES_BAD_LINE', n, 'no service (-t, -u, -f, --sctp-service)'));
  let id: ServiceId;
  if (proto === '-f') {
    const mark = parseCount(target);
    if (mark === null || mark < 1 || mark > 0xffffffff) {
      return err(lineError('IPVS_RULES_BAD_LINE', n, `'${target}' is not a firewall mark`));
    }
    id = { protocol: 'fwm', family: opts.has('-6') ? 'ipv6' : 'ipv4', fwmark: mark };
  } else {
    const hp = parseHostPort(target, 'virtual service', false);
    if (!hp.ok) return err(lineError('IPVS_RULES_BAD_LINE', n, hp.error.message));
    const protocol = proto === '-t' ? 'tcp' : proto === '-u' ? 'udp' : 'sctp';
    id = { protocol, family: hp.value.family, address: hp.value.address, port: hp.value.port };
  }
  return ok({ command, id, opts });
}

function serviceFromRule(rule: Rule, n: number): Result<VirtualService> {
  for (const o of ['-r', '-w', '-g', '-m', '-i', '-x', '-y', '--tun-type', '--tun-port']) {
    if (rule.opts.has(o)) return err(lineError('IPVS_RULES_BAD_LINE', n, `${o} belongs on a -a line`));
  }
  const timeout = rule.opts.get('-p');
  let persistence: VirtualService['persistence'] = null;
  if (typeof timeout === 'string') {
    const mask = rule.opts.get('-M');
    let netmask = rule.id.family === 'ipv6' ? '128' : '255.255.255.255';
    if (typeof mask === 'string') {
      if (rule.id.family === 'ipv6') {
        if (!/^\d{1,3}$/.test(mask) || Number(mask) > 128) {
          return err(lineError('IPVS_RULES_BAD_LINE', n, `'${mask}' is not an IPv6 prefix length`));
        }
        netmask = String(Number(mask));
      } else {
        const m = parseIpAddress(mask, 'netmask');
        if (!m.ok || m.value.family !== 'ipv4') {
          return err(lineError('IPVS_RULES_BAD_LINE', n, `'${mask}' is not an IPv4 netmask`));
        }
        netmask = m.value.address;
      }
    }
    const pe = rule.opts.get('--pe');
    persistence = { timeout: Number(timeout), netmask, engine: typeof pe === 'string' ? pe : null };
  } else if (rule.opts.has('-M') || rule.opts.has('--pe')) {
    return err(lineError('IPVS_RULES_BAD_LINE', n, '-M and --pe need -p (persistence)'));
  }
  const scheduler = rule.opts.get('-s');
  const flags = rule.opts.get('-b');
  return ok({
    id: rule.id,
    scheduler: typeof scheduler === 'string' ? scheduler : 'wlc',
    schedFlags: typeof flags === 'string' ? flags.split(',') : [],
    persistence,
    ops: rule.opts.has('-o'),
    stats: null,
    rates: null,
    realServers: [],
  });
}

function serverFromRule(rule: Rule, n: number): Result<RealServer> {
  for (const o of ['-s', '-p', '-M', '--pe', '-o', '-b']) {
    if (rule.opts.has(o)) return err(lineError('IPVS_RULES_BAD_LINE', n, `${o} belongs on a -A line`));
  }
  const target = rule.opts.get('-r');
  if (typeof target !== 'string')
    return err(lineError('IPVS_RULES_BAD_LINE', n, '-a needs -r (the real server)'));
  const hp = parseHostPort(target, 'real server', false);
  if (!hp.ok) return err(lineError('IPVS_RULES_BAD_LINE', n, hp.error.message));
  const port =
    target.includes(']:') || (!target.startsWith('[') && target.includes(':')) ? hp.value.port : null;
  const servicePort = rule.id.protocol === 'fwm' ? 0 : rule.id.port;
  const forwarding = (['-g', '-m', '-i'] as const).find((f) => rule.opts.has(f));
  const fw: Forwarding = forwarding ? FORWARDING_FLAGS[forwarding]! : 'dr';
  const weightText = rule.opts.get('-w');
  const weight = typeof weightText === 'string' ? parseCount(weightText) : 1;
  if (weight === null)
    return err(lineError('IPVS_RULES_BAD_LINE', n, `'${String(weightText)}' is not a weight`));
  let tunnel: TunnelInfo | null = null;
  if (fw === 'tun') {
    const type = rule.opts.get('--tun-type') ?? 'ipip';
    if (type !== 'ipip' && type !== 'gue' && type !== 'gre') {
      return err(
        lineError('IPVS_RULES_BAD_LINE', n, `'${String(type)}' is not a tunnel type (ipip, gue, gre)`),
      );
    }
    const tport = rule.opts.get('--tun-port');
    const checksum =
      (['nocsum', 'csum', 'remcsum'] as const).find((c) => rule.opts.has(`--tun-${c}`)) ?? null;
    tunnel = { type, port: typeof tport === 'string' ? parseCount(tport) : null, checksum };
  } else if (rule.opts.has('--tun-type') || rule.opts.has('--tun-port')) {
    return err(lineError('IPVS_RULES_BAD_LINE', n, 'tunnel options need -i (tunnel forwarding)'));
  }
  return ok({
    family: hp.value.family,
    address: hp.value.address,
    port: port ?? servicePort,
    forwarding: fw,
    weight,
    activeConns: null,
    inactiveConns: null,
    stats: null,
    rates: null,
    tunnel,
  });
}

/**
 * `ipvsadm -S -n` output, or any rules file `ipvsadm -R` accepts (a leading `ipvsadm` word is
 * skipped; blank lines and `#` comment lines are skipped as Debian's init script does).
 * ActiveConn/InActConn and counters are null: the save format does not carry them.
 */
export function parseIpvsSave(text: string): Result<IpvsTable> {
  const services: VirtualService[] = [];
  const byKey = new Map<string, VirtualService>();
  const serverKeys = new Map<string, Set<string>>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#')) continue;
    const rule = parseRule(line.split(/\s+/), n);
    if (!rule.ok) return rule;
    const key = serviceKey(rule.value.id);
    if (rule.value.command === '-A') {
      if (byKey.has(key)) {
        return err(lineError('IPVS_RULES_DUPLICATE', n, `${describeService(rule.value.id)} is added twice`));
      }
      const service = serviceFromRule(rule.value, n);
      if (!service.ok) return service;
      byKey.set(key, service.value);
      serverKeys.set(key, new Set());
      services.push(service.value);
      continue;
    }
    const service = byKey.get(key);
    if (!service) {
      return err(
        lineError(
          'IPVS_RULES_UNKNOWN_SERVICE',
          n,
          `a real server of ${describeService(rule.value.id)}, which no -A line before it adds`,
        ),
      );
    }
    const rs = serverFromRule(rule.value, n);
    if (!rs.ok) return rs;
    const seen = serverKeys.get(key)!;
    const rsKey = realServerKey(rs.value);
    if (seen.has(rsKey)) {
      return err(
        lineError('IPVS_RULES_DUPLICATE', n, `${rsKey} is added twice to ${describeService(service.id)}`),
      );
    }
    seen.add(rsKey);
    service.realServers.push(rs.value);
  }
  return ok({ version: null, connectionTableSize: null, services });
}
