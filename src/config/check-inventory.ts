import type { z } from 'zod';
import { parseHostKeyPins } from '../core/host-key-pin.js';
import { addressFamily, canonicalAddress, formatEndpoint } from './address.js';
import { suggestionText } from './closest-names.js';
import { foreignAddresses } from './host-key.js';
import { joinPath } from './inventory-error.js';
import {
  addressSchema,
  approvalSchema,
  channelIdSchema,
  directorSchema,
  forwardingSchema,
  heartbeatSchema,
  nameSchema,
  portSchema,
  realServerSchema,
  virtualServiceSchema,
} from './inventory-schema.js';
import type { Problem } from './zod-issues.js';

/**
 * The checks across fields (names unique, references resolve, one preferred director, …).
 * They read the raw document, not zod's output, so they run even when some fields are
 * invalid: `config check` lists every problem at once. Each check uses only the parts that
 * are themselves valid, so one bad field does not set off false alarms elsewhere.
 */
export function checkInventory(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isRecord(raw)) return problems;
  const clusters = listAt(raw, 'clusters');
  uniqueNames(
    clusters.map((c) => nameOf(c)),
    (i) => ['clusters', i, 'name'],
    'cluster',
    problems,
  );
  const listedChannels = listedSlackIds(raw, 'channels', problems);
  listedSlackIds(raw, 'users', problems);
  listedSlackIds(raw, 'usergroups', problems);
  clusters.forEach((cluster, i) => {
    if (isRecord(cluster)) checkCluster(cluster, ['clusters', i], listedChannels, problems);
  });
  uniqueIngestSecrets(clusters, problems);
  return problems;
}

type Path = PropertyKey[];

interface Parsed<T> {
  index: number;
  value: T;
}

function checkCluster(
  cluster: Record<string, unknown>,
  base: Path,
  listedChannels: Set<string> | undefined,
  problems: Problem[],
): void {
  const clusterName = nameOf(cluster) ?? joinPath(base);
  const directors = listAt(cluster, 'directors');
  const realServers = listAt(cluster, 'realServers');
  const services = listAt(cluster, 'virtualServices');

  const hostNames = [...directors, ...realServers].map((h) => nameOf(h));
  uniqueNames(
    hostNames,
    (i) =>
      i < directors.length
        ? [...base, 'directors', i, 'name']
        : [...base, 'realServers', i - directors.length, 'name'],
    'director or real server',
    problems,
  );
  const knownHosts = hostNames.filter((n): n is string => n !== undefined);
  const directorNames = directors.map((d) => nameOf(d)).filter((n): n is string => n !== undefined);

  checkPreferred(directors, [...base, 'directors'], problems);

  const serviceNames = services.map((s) => nameOf(s));
  uniqueNames(serviceNames, (i) => [...base, 'virtualServices', i, 'name'], 'virtual service', problems);
  const knownServices = serviceNames.filter((n): n is string => n !== undefined);
  const parsedServices = parseEach(services, virtualServiceSchema);
  checkServiceEndpoints(parsedServices, [...base, 'virtualServices'], problems);

  const parsedDirectors = parseEach(directors, directorSchema);
  const parsedRealServers = parseEach(realServers, realServerSchema);
  for (const { index, value } of parsedDirectors) {
    checkHostKeyNamesHost(value, [...base, 'directors', index], problems);
  }
  for (const { index, value } of parsedRealServers) {
    checkHostKeyNamesHost(value, [...base, 'realServers', index], problems);
  }

  checkRealServers(
    realServers,
    parsedServices,
    knownServices,
    clusterName,
    [...base, 'realServers'],
    problems,
  );
  checkFilesets(cluster, knownHosts, clusterName, [...base, 'filesets'], problems);
  checkMon(cluster, directorNames, clusterName, [...base, 'mon'], problems);
  checkHeartbeat(cluster, [...base, 'heartbeat'], problems);
  checkSlackAndPolicy(cluster, knownServices, listedChannels, base, problems);
  checkIngestTokens(cluster, knownHosts, clusterName, [...base, 'ingest', 'tokens'], problems);
}

function checkPreferred(directors: unknown[], base: Path, problems: Problem[]): void {
  const preferred = directors
    .map((d, index) => ({ index, name: nameOf(d), preferred: isRecord(d) && d.preferred === true }))
    .filter((d) => d.preferred);
  if (preferred.length === 0 && directors.length > 1) {
    problems.push({
      path: base,
      message:
        'no director is preferred; mark exactly one with preferred: true (it holds the VIP when both are up)',
    });
  }
  const [first, ...extra] = preferred;
  for (const d of extra) {
    problems.push({
      path: [...base, d.index, 'preferred'],
      message: `only one director may be preferred, and ${first?.name ?? `directors.${first?.index}`} already is`,
    });
  }
}

function checkServiceEndpoints(
  services: Parsed<z.output<typeof virtualServiceSchema>>[],
  base: Path,
  problems: Problem[],
): void {
  const seen = new Map<string, string>();
  for (const { index, value } of services) {
    const key = `${value.protocol} ${formatEndpoint(value.vip, value.port)}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        path: [...base, index, 'vip'],
        message: `${key} is already virtual service ${first}; one IPVS service per VIP, port and protocol`,
      });
    } else {
      seen.set(key, value.name);
    }
  }
}

function checkHostKeyNamesHost(
  host: z.output<typeof directorSchema> | z.output<typeof realServerSchema>,
  base: Path,
  problems: Problem[],
): void {
  const parsed = parseHostKeyPins(host.ssh.hostKey);
  if (!parsed.ok) return;
  const own = [host.address, ...(host.ssh.host === undefined ? [] : [host.ssh.host])];
  const foreign = parsed.value.flatMap((pin) => foreignAddresses(pin, own));
  if (foreign.length > 0) {
    problems.push({
      path: [...base, 'ssh', 'hostKey'],
      message: `this known_hosts line is for ${foreign.join(', ')}, not ${host.name} (${own.join(', ')}); paste this host's own line (ssh-keyscan ${own[own.length - 1]})`,
    });
  }
}

function checkRealServers(
  realServers: unknown[],
  services: Parsed<z.output<typeof virtualServiceSchema>>[],
  knownServices: string[],
  clusterName: string,
  base: Path,
  problems: Problem[],
): void {
  const serviceByName = new Map(services.map((s) => [s.value.name, s.value]));
  // service name → "RIP:port" → the real server already there
  const endpoints = new Map<string, Map<string, string>>();
  realServers.forEach((rs, j) => {
    if (!isRecord(rs)) return;
    const address = parses(addressSchema, rs.address);
    const rsName = nameOf(rs) ?? `realServers.${j}`;
    listAt(rs, 'services').forEach((entry, k) => {
      if (!isRecord(entry) || typeof entry.service !== 'string') return;
      const path = [...base, j, 'services', k];
      if (!knownServices.includes(entry.service)) {
        if (parses(nameSchema, entry.service) !== undefined) {
          problems.push({
            path: [...path, 'service'],
            message: `no virtual service '${entry.service}' in cluster ${clusterName}; ${suggestionText(entry.service, knownServices)}`,
          });
        }
        return;
      }
      const service = serviceByName.get(entry.service);
      if (service === undefined || address === undefined) return;
      // An entry whose own port or forwarding is invalid has its error already; skip it here.
      const port = entry.port === undefined ? service.port : parses(portSchema, entry.port);
      const forwarding =
        entry.forwarding === undefined ? service.forwarding : parses(forwardingSchema, entry.forwarding);
      if (port === undefined || forwarding === undefined) return;
      if ((forwarding === 'dr' || forwarding === 'tun') && port !== service.port) {
        problems.push({
          path: [...path, 'port'],
          message: `with ${forwarding} forwarding a real server is reached on the service's port ${service.port} (ipvsadm forces it); drop port, or use nat`,
        });
      }
      if (forwarding !== 'tun' && addressFamily(address) !== addressFamily(service.vip)) {
        problems.push({
          path: [...base, j, 'address'],
          message: `an IPv${addressFamily(address)} real server cannot serve the IPv${addressFamily(service.vip)} VIP of ${service.name} with ${forwarding} forwarding`,
        });
      }
      const byEndpoint = endpoints.get(service.name) ?? new Map<string, string>();
      endpoints.set(service.name, byEndpoint);
      const endpoint = formatEndpoint(address, port);
      const first = byEndpoint.get(endpoint);
      if (first !== undefined) {
        problems.push({
          path: typeof entry.port === 'number' ? [...path, 'port'] : [...path, 'service'],
          message: `${endpoint} is already a real server of ${service.name} (${first}); a RIP:port appears once per virtual service`,
        });
      } else {
        byEndpoint.set(endpoint, rsName);
      }
    });
  });
}

function checkFilesets(
  cluster: Record<string, unknown>,
  knownHosts: string[],
  clusterName: string,
  base: Path,
  problems: Problem[],
): void {
  const filesets = listAt(cluster, 'filesets');
  uniqueNames(
    filesets.map((f) => nameOf(f)),
    (i) => [...base, i, 'name'],
    'fileset',
    problems,
  );
  filesets.forEach((fileset, f) => {
    if (!isRecord(fileset)) return;
    listAt(fileset, 'hosts').forEach((host, h) => {
      if (typeof host === 'string' && parses(nameSchema, host) !== undefined && !knownHosts.includes(host)) {
        problems.push({
          path: [...base, f, 'hosts', h],
          message: `'${host}' is not a director or real server of cluster ${clusterName}; ${suggestionText(host, knownHosts)}`,
        });
      }
    });
    if (fileset.mount === undefined && fileset.device === undefined) {
      problems.push({
        path: [...base, f, 'mount'],
        message: 'give the mount argv, or a device (with type and options) to build it from',
      });
    }
  });
}

function checkMon(
  cluster: Record<string, unknown>,
  directorNames: string[],
  clusterName: string,
  path: Path,
  problems: Problem[],
): void {
  const mon = cluster.mon;
  if (!isRecord(mon) || typeof mon.host !== 'string') return;
  if (directorNames.includes(mon.host) || canonicalAddress(mon.host) !== undefined) return;
  problems.push({
    path: [...path, 'host'],
    message: `'${mon.host}' is neither a director of cluster ${clusterName} nor an address; ${suggestionText(mon.host, directorNames)}`,
  });
}

function checkHeartbeat(cluster: Record<string, unknown>, path: Path, problems: Problem[]): void {
  if (cluster.heartbeat === undefined) return;
  const heartbeat = parses(heartbeatSchema, cluster.heartbeat);
  if (heartbeat !== undefined && heartbeat.deadtime <= 2 * heartbeat.keepalive) {
    problems.push({
      path: [...path, 'deadtime'],
      message: `heartbeat refuses a deadtime of at most twice keepalive; make it longer than ${(2 * heartbeat.keepalive) / 1000}s`,
    });
  }
}

function checkSlackAndPolicy(
  cluster: Record<string, unknown>,
  knownServices: string[],
  listedChannels: Set<string> | undefined,
  base: Path,
  problems: Problem[],
): void {
  const slack = isRecord(cluster.slack) ? cluster.slack : {};
  const policy = isRecord(cluster.policy) ? cluster.policy : {};
  const mentionChannel = (value: unknown, path: Path) => {
    if (listedChannels === undefined || typeof value !== 'string') return;
    if (parses(channelIdSchema, value) === undefined || listedChannels.has(value)) return;
    problems.push({
      path,
      message: `channel ${value} is not listed in slack.channels; add it there with its name`,
    });
  };
  mentionChannel(slack.channel, [...base, 'slack', 'channel']);
  listAt(slack, 'commandChannels').forEach((c, i) => {
    mentionChannel(c, [...base, 'slack', 'commandChannels', i]);
  });
  let step: unknown = policy.escalation;
  let stepPath: Path = [...base, 'policy', 'escalation'];
  for (let depth = 0; isRecord(step) && depth < 50; depth++) {
    mentionChannel(step.channel, [...stepPath, 'channel']);
    step = step.then;
    stepPath = [...stepPath, 'then'];
  }

  listAt(policy, 'auto').forEach((entry, i) => {
    if (!isRecord(entry) || typeof entry.service !== 'string') return;
    if (parses(nameSchema, entry.service) === undefined || knownServices.includes(entry.service)) return;
    problems.push({
      path: [...base, 'policy', 'auto', i, 'service'],
      message: `no virtual service '${entry.service}' in this cluster; ${suggestionText(entry.service, knownServices)}`,
    });
  });

  const approval = parses(approvalSchema, policy.approval);
  // Without a slack section at all, "slack: required" already says what to add.
  if (approval === undefined || !isRecord(cluster.slack)) return;
  const approvers = audience(slack.approvers);
  const operators = audience(slack.operators);
  const asked = approval.required.filter((p) => !approval.notRequired.includes(p));
  if (asked.length > 0 && approvers.users.length === 0 && approvers.usergroups.length === 0) {
    const defaulted =
      policy.approval === undefined || !isRecord(policy.approval) || !('required' in policy.approval);
    problems.push({
      path: [...base, 'slack', 'approvers'],
      message: `nobody may approve, yet ${defaulted ? 'the default policy' : 'policy.approval.required'} asks approval for ${asked.join(', ')}; list approvers (users or usergroups), or list the playbooks that need none under policy.approval.notRequired`,
    });
    return;
  }
  const [onlyApprover, ...moreApprovers] = approvers.users;
  if (
    asked.length > 0 &&
    approval.twoPersonRule &&
    onlyApprover !== undefined &&
    moreApprovers.length === 0 &&
    approvers.usergroups.length === 0 &&
    operators.usergroups.length === 0 &&
    operators.users.length > 0 &&
    operators.users.every((u) => u === onlyApprover) &&
    listAt(policy, 'auto').length === 0
  ) {
    problems.push({
      path: [...base, 'slack', 'approvers'],
      message: `with the two-person rule on, ${onlyApprover} is the only approver and the only operator, so no request can ever be approved; add a second approver or operator`,
    });
  }
}

/** Token names unique in the cluster, and every host a token lists is one of the cluster's. */
function checkIngestTokens(
  cluster: Record<string, unknown>,
  knownHosts: string[],
  clusterName: string,
  base: Path,
  problems: Problem[],
): void {
  const tokens = isRecord(cluster.ingest) ? listAt(cluster.ingest, 'tokens') : [];
  uniqueNames(
    tokens.map((t) => nameOf(t)),
    (i) => [...base, i, 'name'],
    'ingest token',
    problems,
  );
  tokens.forEach((token, t) => {
    if (!isRecord(token)) return;
    listAt(token, 'hosts').forEach((host, h) => {
      if (typeof host !== 'string' || parses(nameSchema, host) === undefined || knownHosts.includes(host))
        return;
      problems.push({
        path: [...base, t, 'hosts', h],
        message: `'${host}' is not a director or real server of cluster ${clusterName}; ${suggestionText(host, knownHosts)}`,
      });
    });
  });
}

/**
 * A token speaks for one sender: the same secret, file or variable given twice (in one
 * cluster or two) would let one sender pass for the other. Messages name where, never the secret.
 */
function uniqueIngestSecrets(clusters: unknown[], problems: Problem[]): void {
  const first = new Map<string, Path>();
  clusters.forEach((cluster, c) => {
    if (!isRecord(cluster) || !isRecord(cluster.ingest)) return;
    listAt(cluster.ingest, 'tokens').forEach((token, t) => {
      if (!isRecord(token)) return;
      for (const [key, what] of [
        ['token', 'the same token'],
        ['tokenFile', 'the same file'],
        ['tokenEnv', 'the same variable'],
      ] as const) {
        const value = token[key];
        if (typeof value !== 'string' || value === '') continue;
        const path: Path = ['clusters', c, 'ingest', 'tokens', t, key];
        const earlier = first.get(`${key}\0${value}`);
        if (earlier === undefined) {
          first.set(`${key}\0${value}`, path);
          continue;
        }
        problems.push({
          path,
          message: `${what} as ${joinPath(earlier.slice(0, -1))}; each token speaks for one sender: give this one its own (openssl rand -hex 32)`,
        });
      }
    });
  });
}

function audience(value: unknown): { users: string[]; usergroups: string[] } {
  const record = isRecord(value) ? value : {};
  const strings = (key: string) => listAt(record, key).filter((v): v is string => typeof v === 'string');
  return { users: strings('users'), usergroups: strings('usergroups') };
}

/** Ids listed twice in slack.channels/users/usergroups; returns the listed channel ids. */
function listedSlackIds(
  raw: Record<string, unknown>,
  key: string,
  problems: Problem[],
): Set<string> | undefined {
  if (!isRecord(raw.slack) || !Array.isArray(raw.slack[key])) return undefined;
  const ids = listAt(raw.slack, key).map((entry) =>
    isRecord(entry) && typeof entry.id === 'string' ? entry.id : undefined,
  );
  uniqueNames(ids, (i) => ['slack', key, i, 'id'], `slack ${key.replace(/s$/, '')} id`, problems);
  return new Set(ids.filter((id): id is string => id !== undefined));
}

function uniqueNames(
  names: (string | undefined)[],
  pathOf: (index: number) => Path,
  what: string,
  problems: Problem[],
): void {
  const first = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === undefined) return;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, i);
      return;
    }
    problems.push({
      path: pathOf(i),
      message: `'${name}' is already the name of ${joinPath(pathOf(earlier).slice(0, -1))}; each ${what} needs its own`,
    });
  });
}

function parseEach<T>(items: unknown[], schema: z.ZodType<T>): Parsed<T>[] {
  const parsed: Parsed<T>[] = [];
  items.forEach((item, index) => {
    const result = schema.safeParse(item);
    if (result.success) parsed.push({ index, value: result.data });
  });
  return parsed;
}

function parses<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

function nameOf(item: unknown): string | undefined {
  return isRecord(item) && typeof item.name === 'string' ? item.name : undefined;
}

function listAt(record: Record<string, unknown>, key: string): unknown[] {
  const value = record[key];
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
