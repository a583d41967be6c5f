import {
  parseHbStatus,
  parseListNodes,
  parseNodeStatus,
  parseRscStatus,
} from '../../core/heartbeat/index.js';
import { type IpvsTable, parseIpvsList, realServerKey, serviceKey } from '../../core/ipvs/index.js';
import { parseListWatchReply } from '../../core/mon/index.js';
import { holdsVip, parseInterfaceAddresses } from '../../core/policy/index.js';
import { parseMounts } from '../../playbooks/reads.js';
import { shown } from './commands-text.js';
import type { CheckVerdict, Probe, ProbeOutcome, StepCheck } from './step-model.js';

/** A probe with what it gave. */
interface Seen {
  probe: Probe;
  out: Extract<ProbeOutcome, { ok: true }>;
}

/**
 * Turns a check's probe outputs into pass or fail with evidence. Pure. A probe that could not
 * run (host unreachable, refused key, timeout) fails the check, naming the host and why:
 * a check never passes on what it could not see.
 */
export function evaluateCheck(check: StepCheck, outcomes: readonly ProbeOutcome[]): CheckVerdict {
  const unreachable: string[] = [];
  const seen: Seen[] = [];
  check.probes.forEach((probe, i) => {
    const out = outcomes[i];
    if (out === undefined) unreachable.push(`${probe.host}: \`${shown(probe.argv)}\` was not run`);
    else if (!out.ok) unreachable.push(`${probe.host}: could not run \`${shown(probe.argv)}\`: ${out.error}`);
    else seen.push({ probe, out });
  });
  if (check.probes.length === 0) {
    return {
      id: check.id,
      title: check.title,
      pass: false,
      evidence: ['no host to check: the inventory names none'],
    };
  }
  const judged = judge(check, seen);
  return {
    id: check.id,
    title: check.title,
    pass: unreachable.length === 0 && judged.pass,
    evidence: [...unreachable, ...judged.evidence],
  };
}

interface Judgement {
  pass: boolean;
  evidence: string[];
}

function judge(check: StepCheck, seen: Seen[]): Judgement {
  switch (check.kind) {
    case 'ipvs-available':
      return ipvsAvailable(seen);
    case 'arp-capable':
      return arpCapable(seen);
    case 'vip-on-director':
      return vipOnDirector(check, seen);
    case 'ipvs-table':
      return ipvsTable(check.expected, check.names, seen);
    case 'rs-vip-on-lo':
      return rsVipOnLo(check.vips, seen);
    case 'files-present':
      return filesPresent(check.paths, check.private, seen);
    case 'file-content':
      return fileContent(check.path, check.expected, seen);
    case 'mon-watch':
      return monWatch(check, seen);
    case 'heartbeat':
      return heartbeat(check.nodes, seen);
    case 'fileset-mounted':
      return filesetMounted(check, seen);
    case 'file-exact':
      return fileExact(check, seen);
    case 'same-file':
      return sameFile(check, seen);
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

function byHost(seen: Seen[]): Map<string, Seen[]> {
  const m = new Map<string, Seen[]>();
  for (const s of seen) m.set(s.probe.host, [...(m.get(s.probe.host) ?? []), s]);
  return m;
}

/** The output of the host's probe whose argv starts with these words. */
function output(list: Seen[] | undefined, ...start: string[]): Seen['out'] | undefined {
  return list?.find((s) => start.every((w, i) => s.probe.argv[i] === w))?.out;
}

function ipvsAvailable(seen: Seen[]): Judgement {
  let pass = true;
  const evidence = seen.map(({ probe, out }) => {
    const header = firstLine(out.stdout);
    if (out.code === 0 && header.startsWith('IP Virtual Server version')) return `${probe.host}: ${header}`;
    pass = false;
    return `${probe.host}: IPVS is not available: ${firstLine(out.stderr) || header || `ipvsadm exited ${out.code}`}`;
  });
  return { pass, evidence };
}

/** `grep -H . FILES` lines: path → value. */
function procValues(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.lastIndexOf(':');
    if (at > 0) m.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return m;
}

const conf = (iface: string, key: string) => `/proc/sys/net/ipv4/conf/${iface}/${key}`;

function arpCapable(seen: Seen[]): Judgement {
  let pass = true;
  const evidence = seen.map(({ probe, out }) => {
    const v = procValues(out.stdout);
    if (v.has(conf('all', 'arp_ignore')))
      return `${probe.host}: arp_ignore/arp_announce available (a current kernel)`;
    if (v.has(conf('all', 'hidden'))) return `${probe.host}: the hidden patch is in the kernel (2.4)`;
    pass = false;
    return `${probe.host}: neither arp_ignore nor hidden in /proc/sys/net/ipv4/conf/all: this kernel cannot keep the VIP out of ARP`;
  });
  return { pass, evidence };
}

/** Whether the real server answers ARP for its lo addresses, from its settings. */
function arpHidden(v: Map<string, string>): { hidden: boolean; how: string } {
  const n = (iface: string, key: string) => Number(v.get(conf(iface, key)) ?? Number.NaN);
  if (v.has(conf('all', 'arp_ignore'))) {
    const ignore = n('all', 'arp_ignore');
    const announce = n('all', 'arp_announce');
    const how = `arp_ignore ${ignore}, arp_announce ${announce} (all)`;
    return { hidden: ignore >= 1 && announce >= 2, how };
  }
  if (v.has(conf('all', 'hidden'))) {
    const how = `hidden ${n('all', 'hidden')} (all), ${n('lo', 'hidden')} (lo)`;
    return { hidden: n('all', 'hidden') === 1 && n('lo', 'hidden') === 1, how };
  }
  return { hidden: false, how: 'no ARP settings readable' };
}

function vipOnDirector(check: Extract<StepCheck, { kind: 'vip-on-director' }>, seen: Seen[]): Judgement {
  const hosts = byHost(seen);
  const evidence: string[] = [];
  let pass = true;
  for (const vip of check.vips) {
    const holders: string[] = [];
    for (const [host, list] of hosts) {
      const addrs = output(list, 'ip', '-o', 'addr');
      if (!addrs) continue;
      const parsed = parseInterfaceAddresses(addrs.stdout);
      if (!parsed.ok) {
        pass = false;
        evidence.push(`${host}: cannot read ip -o addr show: ${parsed.error.message}`);
        continue;
      }
      if (!holdsVip(parsed.value, vip)) continue;
      holders.push(host);
      const a = parsed.value.find((x) => x.address === vip && x.device !== 'lo')!;
      const local = output(list, 'ip', 'route')
        ?.stdout.split('\n')
        .find((l) => l.startsWith(`local ${vip} `));
      const label = a.label ? ` (label ${a.label})` : '';
      if (local === undefined) {
        pass = false;
        evidence.push(
          `${host}: holds ${vip}/${a.prefixLength} on ${a.device}${label} but has no host route for it`,
        );
      } else {
        evidence.push(
          `${host}: holds ${vip}/${a.prefixLength} on ${a.device}${label}; host route: ${local.trim()}`,
        );
      }
      if (check.ipForward) {
        const fwd = output(list, 'cat')?.stdout.trim();
        if (fwd !== '1') {
          pass = false;
          evidence.push(
            `${host}: ip_forward is ${fwd ?? 'unknown'}; NAT needs 1 (sysctl -w net.ipv4.ip_forward=1)`,
          );
        } else evidence.push(`${host}: ip_forward is 1`);
      }
    }
    if (holders.length === 0) {
      pass = false;
      evidence.push(`no director holds the VIP ${vip}`);
    } else if (holders.length > 1) {
      pass = false;
      evidence.push(`${holders.join(' and ')} all hold the VIP ${vip}: only the active director may`);
    }
  }
  return { pass, evidence };
}

function ipvsTable(expected: IpvsTable, names: Record<string, string>, seen: Seen[]): Judgement {
  const evidence: string[] = [];
  const tables = new Map<string, IpvsTable>();
  let pass = true;
  for (const { probe, out } of seen) {
    if (out.code !== 0) {
      pass = false;
      evidence.push(`${probe.host}: ipvsadm -L -n failed: ${firstLine(out.stderr) || `exit ${out.code}`}`);
      continue;
    }
    const t = parseIpvsList(out.stdout);
    if (!t.ok) {
      pass = false;
      evidence.push(`${probe.host}: cannot read ipvsadm -L -n: ${t.error.message}`);
      continue;
    }
    tables.set(probe.host, t.value);
  }
  const label = (address: string, port: number) => `${names[address] ?? address} (${address}:${port})`;
  for (const want of expected.services) {
    const key = serviceKey(want.id);
    const holders = [...tables.entries()].filter(([, t]) => t.services.some((s) => serviceKey(s.id) === key));
    if (holders.length === 0) {
      pass = false;
      evidence.push(`${key} is in no director's table (${[...tables.keys()].join(', ')} read)`);
      continue;
    }
    let complete = false;
    for (const [host, t] of holders) {
      const have = t.services.find((s) => serviceKey(s.id) === key)!;
      const missing: string[] = [];
      const notes: string[] = [];
      for (const rs of want.realServers) {
        const found = have.realServers.find((x) => realServerKey(x) === realServerKey(rs));
        if (!found) missing.push(label(rs.address, rs.port));
        else if (found.forwarding !== rs.forwarding)
          missing.push(`${label(rs.address, rs.port)} with ${rs.forwarding} (it has ${found.forwarding})`);
        else if (found.weight !== rs.weight)
          notes.push(
            `${names[rs.address] ?? rs.address} has weight ${found.weight} (inventory ${rs.weight})`,
          );
      }
      const present = have.realServers.map(
        (x) => `${names[x.address] ?? x.address} ${x.forwarding} w${x.weight}`,
      );
      if (missing.length === 0) {
        complete = true;
        evidence.push(
          `${host}: ${key} ${have.scheduler ?? ''} with ${present.join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}`.replace(
            '  ',
            ' ',
          ),
        );
      } else {
        evidence.push(
          `${host}: ${key} lacks ${missing.join(', ')} (has ${present.join(', ') || 'no real server'})`,
        );
      }
    }
    if (!complete) pass = false;
  }
  return { pass, evidence };
}

function rsVipOnLo(vips: Record<string, string[]>, seen: Seen[]): Judgement {
  const evidence: string[] = [];
  let pass = true;
  for (const [host, list] of byHost(seen)) {
    const addrs = output(list, 'ip', '-o', 'addr');
    const arp = output(list, 'grep');
    if (!addrs || !arp) continue;
    const parsed = parseInterfaceAddresses(addrs.stdout);
    const want = vips[host] ?? [];
    const onLo = parsed.ok ? parsed.value.filter((a) => a.device === 'lo') : [];
    const missing = want.filter((v) => !onLo.some((a) => a.address === v));
    const { hidden, how } = arpHidden(procValues(arp.stdout));
    if (missing.length > 0) {
      pass = false;
      evidence.push(`${host}: ${missing.map((v) => `${v}/32`).join(', ')} not on lo`);
    }
    const held = want.filter((v) => !missing.includes(v));
    if (held.length > 0) {
      const shownVips = held.map((v) => {
        const a = onLo.find((x) => x.address === v)!;
        return `${v}/${a.prefixLength}${a.label ? ` (${a.label})` : ''}`;
      });
      evidence.push(`${host}: ${shownVips.join(', ')} on lo`);
    }
    if (!hidden) {
      pass = false;
      evidence.push(`${host}: answers ARP for the VIP: ${how}; needs arp_ignore 1 and arp_announce 2`);
    } else evidence.push(`${host}: ${how}`);
  }
  return { pass, evidence };
}

function filesPresent(paths: Record<string, string[]>, privatePaths: string[], seen: Seen[]): Judgement {
  const evidence: string[] = [];
  let pass = true;
  for (const { probe, out } of seen) {
    const rows = new Map<string, { mode: string; owner: string }>();
    for (const line of out.stdout.split('\n')) {
      const m = /^([0-7]+) (\S+) (.+)$/.exec(line.trim());
      if (m) rows.set(m[3]!, { mode: m[1]!, owner: m[2]! });
    }
    for (const path of paths[probe.host] ?? []) {
      const row = rows.get(path);
      if (!row) {
        pass = false;
        evidence.push(`${probe.host}: ${path} is missing`);
      } else if (privatePaths.includes(path) && (Number.parseInt(row.mode, 8) & 0o077) !== 0) {
        pass = false;
        evidence.push(`${probe.host}: ${path} has mode ${row.mode}; it must be 600 (chmod 600 ${path})`);
      } else evidence.push(`${probe.host}: ${path} (${row.mode} ${row.owner})`);
    }
  }
  return { pass, evidence };
}

/** The lines that matter: no comments, no blank lines, no trailing spaces. */
function meaningful(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

function fileContent(path: string, expected: string, seen: Seen[]): Judgement {
  const want = meaningful(expected);
  const evidence: string[] = [];
  let pass = true;
  for (const { probe, out } of seen) {
    if (out.code !== 0) {
      pass = false;
      evidence.push(`${probe.host}: ${path} cannot be read: ${firstLine(out.stderr) || `exit ${out.code}`}`);
      continue;
    }
    const have = meaningful(out.stdout);
    const at = want.findIndex((l, i) => have[i] !== l);
    if (at < 0 && have.length === want.length) {
      evidence.push(`${probe.host}: ${path} is as generated (${want.length} lines)`);
      continue;
    }
    pass = false;
    const i = at < 0 ? want.length : at;
    evidence.push(
      `${probe.host}: ${path} differs from the generated file at line ${i + 1}: has '${have[i] ?? '(end of file)'}', expected '${want[i] ?? '(end of file)'}'`,
    );
  }
  return { pass, evidence };
}

function monWatch(check: Extract<StepCheck, { kind: 'mon-watch' }>, seen: Seen[]): Judgement {
  const evidence: string[] = [];
  const want = check.expected.flatMap((w) => w.services.map((s) => `${w.group} ${s}`));
  let answered = false;
  let complete = false;
  for (const { probe, out } of seen) {
    const reply = parseListWatchReply(out.stdout);
    if (!reply.ok) {
      const why = firstLine(out.stderr) || reply.error.message;
      evidence.push(`${probe.host}: mon does not answer: ${why}`);
      continue;
    }
    answered = true;
    const have = new Set(reply.value.map((r) => `${r.group} ${r.service}`));
    const missing = want.filter((w) => !have.has(w));
    if (missing.length === 0) {
      complete = true;
      evidence.push(
        `${probe.host}: mon answers list watch with all ${want.length} services (${[...new Set(check.expected.map((w) => w.group))].join(', ')})`,
      );
    } else evidence.push(`${probe.host}: mon answers, but does not watch ${missing.join(', ')}`);
  }
  if (!answered) evidence.push(`mon is not running, or not on ${check.where}`);
  return { pass: complete, evidence };
}

function heartbeat(nodes: Record<string, string>, seen: Seen[]): Judgement {
  const evidence: string[] = [];
  let pass = true;
  const want = Object.values(nodes);
  for (const [host, list] of byHost(seen)) {
    const o = (sub: string) => output(list, 'cl_status', sub);
    const status = o('hbstatus');
    const running = status ? parseHbStatus({ stdout: status.stdout, exitCode: status.code }) : undefined;
    if (!running?.ok || !running.value.running) {
      pass = false;
      evidence.push(
        `${host}: heartbeat is not running${running && !running.ok ? ` (${running.error.message})` : ''}`,
      );
      continue;
    }
    const listed = o('listnodes');
    const names = listed ? parseListNodes({ stdout: listed.stdout, exitCode: listed.code }) : undefined;
    const lower = names?.ok ? names.value.map((n) => n.toLowerCase()) : [];
    const unknown = want.filter((n) => !lower.includes(n));
    const peerOut = o('nodestatus');
    const peer = peerOut ? parseNodeStatus({ stdout: peerOut.stdout, exitCode: peerOut.code }) : undefined;
    const peerName = want.find((n) => n !== nodes[host]) ?? '';
    const rsc = o('rscstatus');
    const held = rsc ? parseRscStatus({ stdout: rsc.stdout, exitCode: rsc.code }) : undefined;
    const resources = held?.ok ? `, resources: ${held.value}` : '';
    if (unknown.length > 0) {
      pass = false;
      evidence.push(
        `${host}: heartbeat runs but does not know ${unknown.join(', ')} (node lines of ha.cf must match uname -n)`,
      );
    } else if (!peer?.ok || !['active', 'up'].includes(peer.value)) {
      pass = false;
      evidence.push(
        `${host}: heartbeat runs, but sees ${peerName} as ${peer?.ok ? peer.value : 'unknown'}${resources}`,
      );
    } else {
      evidence.push(
        `${host}: heartbeat runs; nodes ${lower.join(', ')}; ${peerName} is ${peer.value}${resources}`,
      );
    }
  }
  return { pass, evidence };
}

function filesetMounted(check: Extract<StepCheck, { kind: 'fileset-mounted' }>, seen: Seen[]): Judgement {
  const evidence: string[] = [];
  let pass = true;
  for (const { probe, out } of seen) {
    const mounts = parseMounts(out.stdout);
    const entry = mounts.ok
      ? mounts.value.filter((m) => m.mountPoint === check.mountPoint).at(-1)
      : undefined;
    if (!entry) {
      pass = false;
      evidence.push(`${probe.host}: ${check.mountPoint} is not mounted`);
    } else if (check.type !== undefined && entry.type !== check.type) {
      pass = false;
      evidence.push(
        `${probe.host}: ${check.mountPoint} is ${entry.device} of type ${entry.type}, not ${check.type}`,
      );
    } else {
      evidence.push(`${probe.host}: ${check.mountPoint} is ${entry.device} (${entry.type})`);
    }
  }
  return { pass, evidence };
}

/** `sha256sum PATH` and `stat -c %a PATH` of one host: the digest and the mode, or why not. */
function digestOf(
  list: Seen[] | undefined,
  path: string,
): { sha256: string; mode: number } | { problem: string } {
  const sum = output(list, 'sha256sum');
  const stat = output(list, 'stat');
  if (!sum || !stat) return { problem: `${path} was not read` };
  if (sum.code !== 0)
    return { problem: `${path} is missing (${firstLine(sum.stderr) || `exit ${sum.code}`})` };
  const sha256 = /^([0-9a-f]{64})\s/.exec(sum.stdout)?.[1];
  const mode = /^([0-7]+)$/.exec(stat.stdout.trim())?.[1];
  if (!sha256 || !mode) return { problem: `${path}: cannot read its digest or mode` };
  return { sha256, mode: Number.parseInt(mode, 8) };
}

function fileExact(check: Extract<StepCheck, { kind: 'file-exact' }>, seen: Seen[]): Judgement {
  const evidence: string[] = [];
  let pass = true;
  for (const [host, list] of byHost(seen)) {
    const d = digestOf(list, check.path);
    if ('problem' in d) {
      pass = false;
      evidence.push(`${host}: ${d.problem}`);
    } else if (d.sha256 !== check.sha256) {
      pass = false;
      evidence.push(`${host}: ${check.path} differs from the generated one`);
    } else if (d.mode !== check.mode) {
      pass = false;
      evidence.push(`${host}: ${check.path} has mode ${d.mode.toString(8)}, not ${check.mode.toString(8)}`);
    } else evidence.push(`${host}: ${check.path} is the generated one (mode ${d.mode.toString(8)})`);
  }
  return { pass, evidence };
}

function sameFile(check: Extract<StepCheck, { kind: 'same-file' }>, seen: Seen[]): Judgement {
  const evidence: string[] = [];
  const digests = new Set<string>();
  let pass = true;
  for (const [host, list] of byHost(seen)) {
    const d = digestOf(list, check.path);
    if ('problem' in d) {
      pass = false;
      evidence.push(`${host}: ${d.problem}`);
      continue;
    }
    digests.add(d.sha256);
    if (d.mode !== check.mode) {
      pass = false;
      evidence.push(`${host}: ${check.path} has mode ${d.mode.toString(8)}, not ${check.mode.toString(8)}`);
    } else evidence.push(`${host}: ${check.path} (mode ${d.mode.toString(8)})`);
  }
  if (digests.size > 1) {
    pass = false;
    evidence.push(`${check.path} is not the same on ${[...byHost(seen).keys()].join(' and ')}`);
  }
  return { pass, evidence };
}
