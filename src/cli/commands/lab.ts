import {
  breakHost,
  formatLabStatus,
  healHost,
  LabError,
  type LabOptionsInput,
  labDown,
  labStatus,
  labUp,
} from '../../lab/index.js';
import { type CliCommand, type CliIO, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsHelp } from '../command.js';

const usage = `usage: lvs-chatops lab up|down|status|break|heal [OPTIONS]

The real LVS lab on this machine (root): two user-mode Linux directors lb1 and lb2 with
IPVS, heartbeat and mon, three real servers web-1..3 behind the VIP (LVS-DR, wlc), a
client namespace, and an inventory for the bot.

  lab up        bring the lab up; prints the inventory path as its last line
  lab down      remove everything the lab made
  lab status    what is up, with addresses (--json for programs)
  lab break H   inject a fault: web-N stops its HTTP; lbN stops its heartbeat (--kill: crash)
  lab heal H    clear it: web-N starts HTTP; lbN starts heartbeat (or boots again after --kill)

Run 'lvs-chatops lab COMMAND --help' for each one's options.`;

const stateHelp = '  --state DIR       the lab state directory (default /run/lvs-chatops-lab)';

const usages: Record<string, string> = {
  up: `usage: lvs-chatops lab up [--bare] [--state DIR] [--prefix P] [--subnet CIDR] [--mem SIZE]
                         [--auto-failback on|off] [--mon-alert PATH] [--mon-env NAME=VALUE]...
                         [--timeout SECONDS]

Brings the lab up and returns when the VIP answers through lb1 (about 15 s), then prints
the path of the inventory it wrote as the last line. A stale lab in the same state
directory is cleaned first; a live one is refused.

${stateHelp}
  --prefix P        names of links and namespaces start with P- (default lvc; 1-6 chars)
  --subnet CIDR     a /23: front /24 (VIP .100, lb1 .1, lb2 .2, web-N .1N, client .50,
                    this machine .254), back /24 (directors' private link)
                    (default 10.210.0.0/23)
  --bare            hosts and sshd only: no VIP, no IPVS table, no heartbeat, no mon
                    (for the guided build)
  --mem SIZE        RAM of each director (default 128M)
  --auto-failback on|off
                    heartbeat's auto_failback (default on): off, lb2 keeps the VIP when
                    lb1 comes back, until a failback (/lvs failback)
  --mon-alert PATH  an alert script mon also calls, e.g. contrib/mon/slack.alert (the lab's
                    own lab.alert always logs to STATE/logs/mon-alerts.log)
  --mon-env N=V     environment for the alert script, set in mon.cf (repeatable), e.g.
                    LVS_CHATOPS_URL=http://10.210.0.254:3000
  --timeout SECONDS how long to wait for the lab to serve (default 90)`,
  down: `usage: lvs-chatops lab down [--state DIR] [--prefix P] [--keep-logs DIR]

Removes every process, namespace, link and file of the lab, even after a crash. Safe to
run when nothing is up.

${stateHelp}
  --prefix P        the lab's prefix, when its state directory is gone (default lvc)
  --keep-logs DIR   copy the lab's logs (consoles, sshd, ha-log, mon) to DIR first`,
  status: `usage: lvs-chatops lab status [--json] [--state DIR]

What is up, with addresses; exits 1 when no lab is up.

  --json            {"inventory", "hosts": [{"name", "role", "address", "ssh": {"user",
                    "port", "key"}, "up", "state", ...}], "vip", "active", ...}; a host's
                    "state" is up, down (not running, or its ssh refused) or unknown (a
                    director that did not answer in time: a busy machine); "up" is true
                    only when it is known up (docs/interfaces.md, docs/lab.md)
${stateHelp}`,
  break: `usage: lvs-chatops lab break HOST [--kill] [--wait] [--state DIR]

  web-1|web-2|web-3 its HTTP server stops (mon notices within seconds)
  lb1|lb2           its heartbeat stops: it gives up the VIP and the peer takes over
  --kill            director only: SIGKILL its whole UML instead (a crash)
  --wait            director only: return once the VIP answers through the other director
${stateHelp}`,
  heal: `usage: lvs-chatops lab heal HOST [--wait] [--state DIR]

  web-1|web-2|web-3 its HTTP server starts again
  lb1|lb2           its heartbeat starts again (after --kill: the director boots again);
                    lb1 then takes the VIP back (auto_failback on)
  --wait            lb1: return once the VIP answers through lb1 again
${stateHelp}`,
};

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string[]>;
}

function parse(args: string[], valued: string[], booleans: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.split(/=(.*)/s, 2) as [string, string | undefined];
    if (booleans.includes(name)) {
      flags.set(name, ['true']);
    } else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  return { positional, flags };
}

const one = (p: Parsed, name: string) => p.flags.get(name)?.at(-1);

async function run(sub: string, rest: string[], io: CliIO): Promise<number> {
  const progress = (line: string) => io.err(`lab: ${line}`);
  switch (sub) {
    case 'up': {
      const p = parse(
        rest,
        [
          '--state',
          '--prefix',
          '--subnet',
          '--mem',
          '--auto-failback',
          '--mon-alert',
          '--mon-env',
          '--timeout',
        ],
        ['--bare'],
      );
      if (p.positional.length > 0) throw new UsageError(`unexpected ${p.positional[0]}`);
      const options: LabOptionsInput = {};
      if (p.flags.has('--bare')) options.bare = true;
      const state = one(p, '--state');
      if (state) options.stateDir = state;
      const prefix = one(p, '--prefix');
      if (prefix) options.prefix = prefix;
      const subnet = one(p, '--subnet');
      if (subnet) options.subnet = subnet;
      const mem = one(p, '--mem');
      if (mem) options.directorMemory = mem;
      const failback = one(p, '--auto-failback');
      if (failback !== undefined) {
        if (failback !== 'on' && failback !== 'off')
          throw new UsageError(`--auto-failback takes on or off, got '${failback}'`);
        options.autoFailback = failback === 'on';
      }
      const alert = one(p, '--mon-alert');
      if (alert) options.monAlert = alert;
      const env: Record<string, string> = {};
      for (const kv of p.flags.get('--mon-env') ?? []) {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new UsageError(`--mon-env takes NAME=VALUE, got '${kv}'`);
        env[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      options.monEnv = env;
      const timeout = one(p, '--timeout');
      if (timeout) {
        if (!/^\d+$/.test(timeout)) throw new UsageError('--timeout takes whole seconds');
        options.bootTimeoutMs = Number(timeout) * 1000;
      }
      const result = await labUp(options, progress);
      io.out(result.inventory);
      return EXIT_OK;
    }
    case 'down': {
      const p = parse(rest, ['--state', '--prefix', '--keep-logs'], []);
      if (p.positional.length > 0) throw new UsageError(`unexpected ${p.positional[0]}`);
      const options: Parameters<typeof labDown>[0] = {};
      const state = one(p, '--state');
      if (state) options.stateDir = state;
      const prefix = one(p, '--prefix');
      if (prefix) options.prefix = prefix;
      const keep = one(p, '--keep-logs');
      if (keep) options.keepLogs = keep;
      const t0 = performance.now();
      const report = await labDown(options, progress);
      io.err(
        report.removed.length === 0
          ? 'lab: nothing to remove'
          : `lab: down in ${((performance.now() - t0) / 1000).toFixed(1)} s (${report.removed.length} things removed)`,
      );
      return EXIT_OK;
    }
    case 'status': {
      const p = parse(rest, ['--state'], ['--json']);
      if (p.positional.length > 0) throw new UsageError(`unexpected ${p.positional[0]}`);
      const status = await labStatus(one(p, '--state'));
      io.out(p.flags.has('--json') ? JSON.stringify(status) : formatLabStatus(status));
      return EXIT_OK;
    }
    case 'break':
    case 'heal': {
      const p = parse(rest, ['--state'], sub === 'break' ? ['--kill', '--wait'] : ['--wait']);
      const [host, extra] = p.positional;
      if (!host) throw new UsageError(`lab ${sub} needs a host (web-1, web-2, web-3, lb1, lb2)`);
      if (extra) throw new UsageError(`unexpected ${extra}`);
      const options = { kill: p.flags.has('--kill'), wait: p.flags.has('--wait') } as Parameters<
        typeof breakHost
      >[1];
      const state = one(p, '--state');
      if (state) options!.stateDir = state;
      const result = await (sub === 'break' ? breakHost(host, options) : healHost(host, options));
      io.out(
        result.seconds === undefined
          ? result.done
          : `${result.done}; the VIP answers through ${result.active} after ${result.seconds.toFixed(1)} s`,
      );
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown lab command '${sub}'`);
  }
}

export const labCommand: CliCommand = {
  name: 'lab',
  summary: 'the real LVS lab: up | down | status | break | heal',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.out(usage);
      return sub === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (wantsHelp(rest)) {
      const text = usages[sub];
      if (!text) {
        io.err(`lvs-chatops lab: unknown command '${sub}'\n\n${usage}`);
        return EXIT_USAGE;
      }
      io.out(text);
      return EXIT_OK;
    }
    try {
      return await run(sub, rest, io);
    } catch (e) {
      if (e instanceof UsageError) {
        io.err(`lvs-chatops lab ${sub}: ${e.message}\n\n${usages[sub] ?? usage}`);
        return EXIT_USAGE;
      }
      if (e instanceof LabError) {
        io.err(`lvs-chatops lab ${sub}: ${e.message}`);
        return e.code === 'LAB_BAD_OPTION' ? EXIT_USAGE : EXIT_FAILURE;
      }
      throw e;
    }
  },
};
