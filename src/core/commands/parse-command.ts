import { parseDuration } from '../duration.js';
import { err, ok, type ParseError, type Result } from '../result.js';
import type { Command, SubscriptionFilter } from './command.js';
import { tokenize } from './tokenize.js';

export interface CommandError {
  code: 'COMMAND_UNKNOWN' | 'COMMAND_USAGE' | 'COMMAND_BAD_ARGUMENT' | 'COMMAND_SYNTAX';
  message: string;
  /** The subcommand's usage line, when the error is about one. */
  usage?: string;
}

/** The grammar of `/lvs` (docs/interfaces.md, "Slack: the /lvs grammar"), one usage line per subcommand. */
export const USAGE: Record<Command['name'], string> = {
  help: '/lvs help',
  status: '/lvs status [CLUSTER|VIP[:PORT]]',
  drain: '/lvs drain SERVER [--vip VIP:PORT] [--timeout DURATION] [--remove]',
  undrain: '/lvs undrain SERVER',
  remove: '/lvs remove SERVER [--vip VIP:PORT]',
  restore: '/lvs restore SERVER [--vip VIP:PORT]',
  weight: '/lvs weight SERVER N [--vip VIP:PORT]',
  failback: '/lvs failback [CLUSTER]',
  remount: '/lvs remount FILESET [--host HOST] [--force]',
  subscribe: '/lvs subscribe [#CHANNEL] [cluster=…] [group=…] [service=…] [kind=alert|failover|job]',
  unsubscribe: '/lvs unsubscribe [#CHANNEL] [ID]',
  subscriptions: '/lvs subscriptions',
  jobs: '/lvs jobs [--all]',
  job: '/lvs job ID',
  cancel: '/lvs cancel ID',
  build: '/lvs build [CLUSTER]',
  incidents: '/lvs incidents',
  incident: '/lvs incident ID',
  ack: '/lvs ack ID [COMMENT]',
  silence: '/lvs silence GROUP[:SERVICE] DURATION [REASON]',
  unsilence: '/lvs unsilence GROUP[:SERVICE]',
};

/**
 * Names of inventory things (servers, clusters, filesets, mon groups): letters, digits and
 * `. _ - :`, starting with a letter or digit. Anything else (`;`, `$(`, spaces, quotes,
 * look-alike unicode) is refused here, before any lookup or job exists.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/**
 * IPv4 with an optional port, [IPv6] with an optional port, or a bare IPv6 address (two or
 * more colons). Checked again against the inventory.
 */
const VIP =
  /^(?:\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f.]{0,15}){2,8})$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Slack renders `#channel` as `<#C123|name>` (or `<#C123>`) in command text. */
const CHANNEL_REF = /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$/;
const MAX_TEXT = 2000;

type Args = { positional: string[]; flags: Map<string, string | true> };

function usageError(name: Command['name'], message: string): { ok: false; error: CommandError } {
  return err({ code: 'COMMAND_USAGE', message: `${message}\nusage: ${USAGE[name]}`, usage: USAGE[name] });
}

function badArg(
  name: Command['name'],
  what: string,
  value: string,
  rule: string,
): { ok: false; error: CommandError } {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return err({
    code: 'COMMAND_BAD_ARGUMENT',
    message: `${what} ${JSON.stringify(shown)} is not valid: ${rule}\nusage: ${USAGE[name]}`,
    usage: USAGE[name],
  });
}

function split(tokens: string[], known: Record<string, 'value' | 'bool'>): Result<Args, ParseError> {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.startsWith('--')) {
      const [flag, inline] = t.includes('=')
        ? [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]
        : [t, undefined];
      const kind = known[flag];
      if (!kind) return err({ code: 'COMMAND_USAGE', message: `unknown option ${flag}` });
      if (kind === 'bool') {
        flags.set(flag, true);
        continue;
      }
      const value = inline ?? tokens[++i];
      if (value === undefined || value.startsWith('--')) {
        return err({ code: 'COMMAND_USAGE', message: `${flag} needs a value` });
      }
      flags.set(flag, value);
    } else {
      positional.push(t);
    }
  }
  return ok({ positional, flags });
}

function parseArgs(
  name: Command['name'],
  tokens: string[],
  known: Record<string, 'value' | 'bool'>,
  positional: { min: number; max: number },
): Result<Args, CommandError> {
  const parsed = split(tokens, known);
  if (!parsed.ok) return usageError(name, parsed.error.message);
  const n = parsed.value.positional.length;
  if (n < positional.min) return usageError(name, `missing argument`);
  if (n > positional.max)
    return usageError(name, `too many arguments: ${parsed.value.positional.slice(positional.max).join(' ')}`);
  return parsed;
}

function vipFlag(name: Command['name'], args: Args): Result<string | undefined, CommandError> {
  const v = args.flags.get('--vip');
  if (v === undefined) return ok(undefined);
  if (typeof v !== 'string' || !VIP.test(v))
    return badArg(name, 'VIP', String(v), 'expected VIP or VIP:PORT, e.g. 10.0.0.100:80');
  return ok(v);
}

function nameArg(name: Command['name'], what: string, value: string): Result<string, CommandError> {
  // A real-server may be named by address (SERVER is a name or an address).
  if (NAME.test(value) || VIP.test(value)) return ok(value);
  return badArg(name, what, value, 'use an inventory name (letters, digits, . _ - :) or an address');
}

/**
 * Parses the text after `/lvs` into a typed command. Never throws; every refusal says what
 * is wrong and shows the usage. Names are only checked for shape here; the bot resolves
 * them against the inventory (and suggests the closest names).
 */
export function parseCommand(text: string): Result<Command, CommandError> {
  if (text.length > MAX_TEXT) {
    return err({
      code: 'COMMAND_SYNTAX',
      message: `the command is too long (${text.length} characters, at most ${MAX_TEXT})`,
    });
  }
  const tokenized = tokenize(text);
  if (!tokenized.ok) return err({ code: 'COMMAND_SYNTAX', message: tokenized.error.message });
  const [head, ...rest] = tokenized.value;
  const sub = (head ?? 'help').toLowerCase();

  switch (sub) {
    case 'help':
      return ok({ name: 'help', ...(rest[0] !== undefined && { topic: rest[0] }) });

    case 'status': {
      const a = parseArgs('status', rest, {}, { min: 0, max: 1 });
      if (!a.ok) return a;
      const scope = a.value.positional[0];
      if (scope === undefined) return ok({ name: 'status' });
      if (VIP.test(scope)) return ok({ name: 'status', vip: scope });
      if (NAME.test(scope)) return ok({ name: 'status', cluster: scope });
      return badArg('status', 'scope', scope, 'expected a cluster name or VIP[:PORT]');
    }

    case 'drain': {
      const a = parseArgs(
        'drain',
        rest,
        { '--vip': 'value', '--timeout': 'value', '--remove': 'bool' },
        { min: 1, max: 1 },
      );
      if (!a.ok) return a;
      const server = nameArg('drain', 'SERVER', a.value.positional[0]!);
      if (!server.ok) return server;
      const vip = vipFlag('drain', a.value);
      if (!vip.ok) return vip;
      let timeoutMs: number | undefined;
      const t = a.value.flags.get('--timeout');
      if (typeof t === 'string') {
        const d = parseDuration(t);
        if (!d.ok || d.value <= 0 || d.value > 24 * 3_600_000) {
          return badArg('drain', '--timeout', t, 'expected a duration between 1s and 24h, e.g. 10m');
        }
        timeoutMs = d.value;
      }
      return ok({
        name: 'drain',
        server: server.value,
        ...(vip.value && { vip: vip.value }),
        ...(timeoutMs !== undefined && { timeoutMs }),
        remove: a.value.flags.has('--remove'),
      });
    }

    case 'undrain':
    case 'remove':
    case 'restore': {
      const flags: Record<string, 'value'> = sub === 'undrain' ? {} : { '--vip': 'value' };
      const a = parseArgs(sub, rest, flags, { min: 1, max: 1 });
      if (!a.ok) return a;
      const server = nameArg(sub, 'SERVER', a.value.positional[0]!);
      if (!server.ok) return server;
      const vip = vipFlag(sub, a.value);
      if (!vip.ok) return vip;
      return ok({ name: sub, server: server.value, ...(vip.value && { vip: vip.value }) });
    }

    case 'weight': {
      const a = parseArgs('weight', rest, { '--vip': 'value' }, { min: 2, max: 2 });
      if (!a.ok) return a;
      const server = nameArg('weight', 'SERVER', a.value.positional[0]!);
      if (!server.ok) return server;
      const w = a.value.positional[1]!;
      if (!/^\d{1,5}$/.test(w) || Number(w) > 65535)
        return badArg('weight', 'weight', w, 'expected a whole number 0–65535');
      const vip = vipFlag('weight', a.value);
      if (!vip.ok) return vip;
      return ok({
        name: 'weight',
        server: server.value,
        weight: Number(w),
        ...(vip.value && { vip: vip.value }),
      });
    }

    case 'failback':
    case 'build': {
      const a = parseArgs(sub, rest, {}, { min: 0, max: 1 });
      if (!a.ok) return a;
      const cluster = a.value.positional[0];
      if (cluster !== undefined && !NAME.test(cluster))
        return badArg(sub, 'CLUSTER', cluster, 'expected a cluster name');
      return ok({ name: sub, ...(cluster !== undefined && { cluster }) });
    }

    case 'remount': {
      const a = parseArgs('remount', rest, { '--host': 'value', '--force': 'bool' }, { min: 1, max: 1 });
      if (!a.ok) return a;
      const fileset = a.value.positional[0]!;
      if (!NAME.test(fileset)) return badArg('remount', 'FILESET', fileset, 'expected a fileset name');
      const host = a.value.flags.get('--host');
      if (typeof host === 'string' && !NAME.test(host))
        return badArg('remount', '--host', host, 'expected a host name');
      return ok({
        name: 'remount',
        fileset,
        ...(typeof host === 'string' && { host }),
        force: a.value.flags.has('--force'),
      });
    }

    case 'subscribe':
    case 'unsubscribe': {
      let channel: string | undefined;
      const filter: SubscriptionFilter = {};
      let id: string | undefined;
      for (const t of rest) {
        const ch = CHANNEL_REF.exec(t);
        if (ch) {
          channel = ch[1];
          continue;
        }
        const kv = /^(cluster|group|service|kind)=(.+)$/.exec(t);
        if (kv && sub === 'subscribe') {
          const [, key, value] = kv as unknown as [string, keyof SubscriptionFilter, string];
          if (key === 'kind') {
            if (value !== 'alert' && value !== 'failover' && value !== 'job') {
              return badArg(sub, 'kind', value, 'expected alert, failover or job');
            }
            filter.kind = value;
          } else {
            if (!NAME.test(value)) return badArg(sub, key, value, 'expected a name');
            filter[key] = value;
          }
          continue;
        }
        if (sub === 'unsubscribe' && id === undefined && ID.test(t)) {
          id = t;
          continue;
        }
        if (t.startsWith('#')) {
          return badArg(
            sub,
            'channel',
            t,
            "pick the channel from Slack's autocomplete so it becomes a link (#channel)",
          );
        }
        return usageError(sub, `unexpected ${JSON.stringify(t)}`);
      }
      if (sub === 'subscribe') return ok({ name: 'subscribe', ...(channel && { channel }), filter });
      return ok({ name: 'unsubscribe', ...(channel && { channel }), ...(id && { id }) });
    }

    case 'subscriptions':
    case 'incidents': {
      const a = parseArgs(sub, rest, {}, { min: 0, max: 0 });
      if (!a.ok) return a;
      return ok({ name: sub });
    }

    case 'jobs': {
      const a = parseArgs('jobs', rest, { '--all': 'bool' }, { min: 0, max: 0 });
      if (!a.ok) return a;
      return ok({ name: 'jobs', all: a.value.flags.has('--all') });
    }

    case 'job':
    case 'cancel':
    case 'incident': {
      const a = parseArgs(sub, rest, {}, { min: 1, max: 1 });
      if (!a.ok) return a;
      const id = a.value.positional[0]!;
      if (!ID.test(id)) return badArg(sub, 'ID', id, 'expected an id like lab-12');
      return ok({ name: sub, id });
    }

    case 'ack': {
      const [id, ...comment] = rest;
      if (id === undefined) return usageError('ack', 'missing argument');
      if (!ID.test(id)) return badArg('ack', 'ID', id, 'expected an incident id like lab-12');
      const c = comment.join(' ').trim();
      return ok({ name: 'ack', id, ...(c && { comment: c.slice(0, 500) }) });
    }

    case 'silence':
    case 'unsilence': {
      const [target, ...more] = rest;
      if (target === undefined) return usageError(sub, 'missing argument');
      const [group, service, extra] = target.split(':');
      if (
        extra !== undefined ||
        !group ||
        !NAME.test(group) ||
        (service !== undefined && !NAME.test(service))
      ) {
        return badArg(sub, 'GROUP[:SERVICE]', target, 'expected a mon group, optionally :service');
      }
      if (sub === 'unsilence') {
        if (more.length > 0) return usageError(sub, `too many arguments: ${more.join(' ')}`);
        return ok({ name: 'unsilence', group, ...(service && { service }) });
      }
      const [dur, ...reason] = more;
      if (dur === undefined) return usageError('silence', 'missing DURATION');
      const d = parseDuration(dur);
      if (!d.ok || d.value <= 0)
        return badArg('silence', 'DURATION', dur, 'expected a positive duration, e.g. 30m, 1h, 4h');
      const r = reason.join(' ').trim();
      return ok({
        name: 'silence',
        group,
        ...(service && { service }),
        durationMs: d.value,
        ...(r && { reason: r.slice(0, 500) }),
      });
    }

    default: {
      const known = Object.keys(USAGE);
      const close = known.filter((k) => k.startsWith(sub.slice(0, 3)));
      const shown = sub.length > 40 ? `${sub.slice(0, 40)}…` : sub;
      return err({
        code: 'COMMAND_UNKNOWN',
        message: `unknown command ${JSON.stringify(shown)}${close.length ? `; did you mean ${close.join(', ')}?` : ''} Try /lvs help.`,
      });
    }
  }
}
