import { err, ok, type ParseError, type Result } from '../result.js';
import { type AddressFamily, parseHostPort } from './address.js';
import type {
  Counters,
  Forwarding,
  IpvsTable,
  Rates,
  RealServer,
  ServiceId,
  VirtualService,
} from './model.js';
import { parseCount, parseScaledNumber } from './numbers.js';
import { realServerKey, serviceKey } from './service-id.js';

/** Which listing: `-L -n` (table), `-L -n --stats`, `-L -n --rate`. */
export type ListingView = 'table' | 'stats' | 'rate';

/** A `--stats` or `--rate` listing: counters per service and real server, nothing else. */
export interface CounterListing<C> {
  version: string | null;
  connectionTableSize: number | null;
  services: {
    id: ServiceId;
    counters: C;
    realServers: { family: AddressFamily; address: string; port: number; counters: C }[];
  }[];
}
export type StatsListing = CounterListing<Counters>;
export type RateListing = CounterListing<Rates>;

export type ParsedListing =
  | { view: 'table'; table: IpvsTable }
  | { view: 'stats'; listing: StatsListing }
  | { view: 'rate'; listing: RateListing };

const HEADER = /^IP Virtual Server version (\S+) \(size=(\d+)\)$/;
const TABLE_TITLE = /^Prot LocalAddress:Port Scheduler Flags$/;
const TABLE_TITLE_2 = /^ {2}-> RemoteAddress:Port\s+Forward\s+Weight\s+ActiveConn\s+InActConn$/;
const STATS_TITLE = /^Prot LocalAddress:Port\s+Conns\s+InPkts\s+OutPkts\s+InBytes\s+OutBytes$/;
const RATE_TITLE = /^Prot LocalAddress:Port\s+CPS\s+InPPS\s+OutPPS\s+InBPS\s+OutBPS$/;
const COUNTER_TITLE_2 = /^ {2}-> RemoteAddress:Port$/;
const REAL_SERVER_PREFIX = '  -> ';
const WS = /\s+/;

const FORWARD_NAMES: Record<string, Forwarding> = { Route: 'dr', Masq: 'nat', Tunnel: 'tun', Local: 'local' };
const PROTOCOLS: Record<string, 'tcp' | 'udp' | 'sctp'> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

function lineError(code: string, line: number, message: string): ParseError {
  return { code, line, message: `line ${line}: ${message}` };
}

/** Splits a service line's head (`TCP  192.0.2.1:80`, `FWM  2 IPv6`) from the rest. */
function parseServiceHead(tokens: string[], line: number): Result<{ id: ServiceId; rest: string[] }> {
  const proto = tokens[0] ?? '';
  if (proto === 'FWM') {
    const mark = parseCount(tokens[1] ?? '');
    if (mark === null || mark < 1 || mark > 0xffffffff) {
      return err(lineError('IPVSADM_BAD_SERVICE_LINE', line, `'${tokens[1] ?? ''}' is not a firewall mark`));
    }
    const ipv6 = tokens[2] === 'IPv6';
    return ok({
      id: { protocol: 'fwm', family: ipv6 ? 'ipv6' : 'ipv4', fwmark: mark },
      rest: tokens.slice(ipv6 ? 3 : 2),
    });
  }
  const protocol = PROTOCOLS[proto];
  if (!protocol) {
    return err(lineError('IPVSADM_UNKNOWN_LINE', line, `'${proto}' is not a protocol (TCP, UDP, SCTP, FWM)`));
  }
  const hp = parseHostPort(tokens[1] ?? '', 'virtual service');
  if (!hp.ok) return err(lineError('IPVSADM_BAD_SERVICE_LINE', line, hp.error.message));
  return ok({
    id: { protocol, family: hp.value.family, address: hp.value.address, port: hp.value.port },
    rest: tokens.slice(2),
  });
}

/** `wlc`, `rr (flag-1,flag-3)`, `… persistent 600 mask 255.255.255.0 pe sip`, `… ops`. */
function parseTableServiceRest(
  id: ServiceId,
  rest: string[],
  line: number,
): Result<Omit<VirtualService, 'id' | 'realServers'>> {
  const scheduler = rest[0];
  if (scheduler === undefined || !/^[a-z]+$/.test(scheduler)) {
    return err(lineError('IPVSADM_BAD_SERVICE_LINE', line, 'the scheduler is missing'));
  }
  const out: Omit<VirtualService, 'id' | 'realServers'> = {
    scheduler,
    schedFlags: [],
    persistence: null,
    ops: false,
    stats: null,
    rates: null,
  };
  let i = 1;
  if (rest[i]?.startsWith('(')) {
    const flags = /^\(([a-z0-9,-]+)\)$/.exec(rest[i]!);
    if (!flags) return err(lineError('IPVSADM_BAD_SERVICE_LINE', line, `bad scheduler flags '${rest[i]}'`));
    out.schedFlags = flags[1]!.split(',');
    i++;
  }
  if (rest[i] === 'persistent') {
    const timeout = parseCount(rest[i + 1] ?? '');
    if (timeout === null) {
      return err(
        lineError('IPVSADM_BAD_SERVICE_LINE', line, `bad persistence timeout '${rest[i + 1] ?? ''}'`),
      );
    }
    out.persistence = { timeout, netmask: id.family === 'ipv6' ? '128' : '255.255.255.255', engine: null };
    i += 2;
    if (rest[i] === 'mask') {
      const mask = rest[i + 1];
      if (mask === undefined) return err(lineError('IPVSADM_BAD_SERVICE_LINE', line, 'mask without a value'));
      out.persistence.netmask = mask;
      i += 2;
    }
    if (rest[i] === 'pe') {
      const engine = rest[i + 1];
      if (engine === undefined) return err(lineError('IPVSADM_BAD_SERVICE_LINE', line, 'pe without a name'));
      out.persistence.engine = engine;
      i += 2;
    }
  }
  if (rest[i] === 'ops') {
    out.ops = true;
    i++;
  }
  if (i !== rest.length) {
    return err(lineError('IPVSADM_BAD_SERVICE_LINE', line, `unexpected '${rest.slice(i).join(' ')}'`));
  }
  return ok(out);
}

function parseFive(
  tokens: string[],
  line: number,
  what: string,
): Result<{ values: number[]; approx: boolean }> {
  if (tokens.length !== 5) {
    return err(lineError('IPVSADM_BAD_COUNTERS', line, `${what} needs 5 numbers, found ${tokens.length}`));
  }
  const values: number[] = [];
  let approx = false;
  for (const t of tokens) {
    const n = parseScaledNumber(t);
    if (!n) return err(lineError('IPVSADM_BAD_COUNTERS', line, `'${t}' is not a counter`));
    values.push(n.value);
    approx ||= n.approximate;
  }
  return ok({ values, approx });
}

function toCounters(v: number[], approximate: boolean): Counters {
  return { conns: v[0]!, inPkts: v[1]!, outPkts: v[2]!, inBytes: v[3]!, outBytes: v[4]!, approximate };
}

function toRates(v: number[], approximate: boolean): Rates {
  return { cps: v[0]!, inPps: v[1]!, outPps: v[2]!, inBps: v[3]!, outBps: v[4]!, approximate };
}

interface Prelude {
  view: ListingView;
  version: string | null;
  size: number | null;
  /** Index of the first line after the titles. */
  start: number;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

function readPrelude(lines: string[]): Result<Prelude> {
  let i = 0;
  let version: string | null = null;
  let size: number | null = null;
  const header = HEADER.exec(lines[0] ?? '');
  if (header) {
    version = header[1]!;
    size = Number(header[2]);
    i = 1;
  }
  const title = lines[i] ?? '';
  const second = lines[i + 1] ?? '';
  let view: ListingView;
  if (TABLE_TITLE.test(title) && TABLE_TITLE_2.test(second.trimEnd())) view = 'table';
  else if (STATS_TITLE.test(title) && COUNTER_TITLE_2.test(second)) view = 'stats';
  else if (RATE_TITLE.test(title) && COUNTER_TITLE_2.test(second)) view = 'rate';
  else {
    const hint =
      title.startsWith('Prot LocalAddress:Port') || title.startsWith('IP Virtual Server')
        ? ' (only -L -n, --stats and --rate listings are understood)'
        : '';
    return err(
      lineError('IPVSADM_NO_TITLE', i + 1, `not an 'ipvsadm -L -n' listing: no title line here${hint}`),
    );
  }
  return ok({ view, version, size, start: i + 2 });
}

function parseTableBody(lines: string[], p: Prelude): Result<IpvsTable> {
  const services: VirtualService[] = [];
  const seenServices = new Set<string>();
  let current: VirtualService | null = null;
  let seenServers = new Set<string>();
  for (let i = p.start; i < lines.length; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    if (raw.trim() === '') continue;
    if (raw.startsWith(REAL_SERVER_PREFIX)) {
      if (!current)
        return err(lineError('IPVSADM_ORPHAN_REAL_SERVER', n, 'a real server before any service'));
      const t = raw.slice(REAL_SERVER_PREFIX.length).trim().split(WS);
      if (t.length !== 5) {
        return err(lineError('IPVSADM_BAD_REAL_SERVER_LINE', n, `expected 5 columns, found ${t.length}`));
      }
      const hp = parseHostPort(t[0]!, 'real server');
      if (!hp.ok) return err(lineError('IPVSADM_BAD_REAL_SERVER_LINE', n, hp.error.message));
      const forwarding = FORWARD_NAMES[t[1]!];
      if (!forwarding) {
        return err(lineError('IPVSADM_BAD_REAL_SERVER_LINE', n, `'${t[1]}' is not a forwarding method`));
      }
      const weight = parseCount(t[2]!);
      const active = parseCount(t[3]!);
      const inactive = parseCount(t[4]!);
      if (weight === null || active === null || inactive === null) {
        return err(
          lineError('IPVSADM_BAD_REAL_SERVER_LINE', n, 'weight and connection counts must be numbers'),
        );
      }
      const rs: RealServer = {
        family: hp.value.family,
        address: hp.value.address,
        port: hp.value.port,
        forwarding,
        weight,
        activeConns: active,
        inactiveConns: inactive,
        stats: null,
        rates: null,
        tunnel: null,
      };
      const key = realServerKey(rs);
      if (seenServers.has(key))
        return err(lineError('IPVSADM_DUPLICATE', n, `real server ${key} listed twice`));
      seenServers.add(key);
      current.realServers.push(rs);
      continue;
    }
    const head = parseServiceHead(raw.trim().split(WS), n);
    if (!head.ok) return head;
    const rest = parseTableServiceRest(head.value.id, head.value.rest, n);
    if (!rest.ok) return rest;
    const key = serviceKey(head.value.id);
    if (seenServices.has(key)) return err(lineError('IPVSADM_DUPLICATE', n, `service ${key} listed twice`));
    seenServices.add(key);
    current = { id: head.value.id, ...rest.value, realServers: [] };
    seenServers = new Set();
    services.push(current);
  }
  return ok({ version: p.version, connectionTableSize: p.size, services });
}

function parseCounterBody<C>(
  lines: string[],
  p: Prelude,
  make: (v: number[], approx: boolean) => C,
): Result<CounterListing<C>> {
  const services: CounterListing<C>['services'] = [];
  let current: CounterListing<C>['services'][number] | null = null;
  for (let i = p.start; i < lines.length; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    if (raw.trim() === '') continue;
    if (raw.startsWith(REAL_SERVER_PREFIX)) {
      if (!current)
        return err(lineError('IPVSADM_ORPHAN_REAL_SERVER', n, 'a real server before any service'));
      const t = raw.slice(REAL_SERVER_PREFIX.length).trim().split(WS);
      const hp = parseHostPort(t[0] ?? '', 'real server');
      if (!hp.ok) return err(lineError('IPVSADM_BAD_REAL_SERVER_LINE', n, hp.error.message));
      const five = parseFive(t.slice(1), n, 'a real server line');
      if (!five.ok) return five;
      current.realServers.push({
        family: hp.value.family,
        address: hp.value.address,
        port: hp.value.port,
        counters: make(five.value.values, five.value.approx),
      });
      continue;
    }
    const head = parseServiceHead(raw.trim().split(WS), n);
    if (!head.ok) return head;
    const five = parseFive(head.value.rest, n, 'a service line');
    if (!five.ok) return five;
    current = { id: head.value.id, counters: make(five.value.values, five.value.approx), realServers: [] };
    services.push(current);
  }
  return ok({ version: p.version, connectionTableSize: p.size, services });
}

/** Any of `ipvsadm -L -n`, `-L -n --stats`, `-L -n --rate` (with or without --exact, one service or all). */
export function parseIpvsListing(text: string): Result<ParsedListing> {
  const lines = splitLines(text);
  const p = readPrelude(lines);
  if (!p.ok) return p;
  if (p.value.view === 'table') {
    const table = parseTableBody(lines, p.value);
    return table.ok ? ok({ view: 'table', table: table.value }) : table;
  }
  if (p.value.view === 'stats') {
    const listing = parseCounterBody(lines, p.value, toCounters);
    return listing.ok ? ok({ view: 'stats', listing: listing.value }) : listing;
  }
  const listing = parseCounterBody(lines, p.value, toRates);
  return listing.ok ? ok({ view: 'rate', listing: listing.value }) : listing;
}

function wrongView(expected: string, got: ListingView): ParseError {
  const name = { table: 'ipvsadm -L -n', stats: 'ipvsadm -L -n --stats', rate: 'ipvsadm -L -n --rate' }[got];
  return { code: 'IPVSADM_WRONG_VIEW', line: 1, message: `expected ${expected} output, got ${name} output` };
}

/** `ipvsadm -L -n [--exact]`: the table with ActiveConn/InActConn; stats and rates stay null. */
export function parseIpvsList(text: string): Result<IpvsTable> {
  const r = parseIpvsListing(text);
  if (!r.ok) return r;
  return r.value.view === 'table' ? ok(r.value.table) : err(wrongView('ipvsadm -L -n', r.value.view));
}

/** `ipvsadm -L -n --stats [--exact]`. */
export function parseIpvsStats(text: string): Result<StatsListing> {
  const r = parseIpvsListing(text);
  if (!r.ok) return r;
  return r.value.view === 'stats'
    ? ok(r.value.listing)
    : err(wrongView('ipvsadm -L -n --stats', r.value.view));
}

/** `ipvsadm -L -n --rate [--exact]`. */
export function parseIpvsRate(text: string): Result<RateListing> {
  const r = parseIpvsListing(text);
  if (!r.ok) return r;
  return r.value.view === 'rate' ? ok(r.value.listing) : err(wrongView('ipvsadm -L -n --rate', r.value.view));
}
