import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pino from 'pino';
import { parse, stringify } from 'yaml';
import { statusHandler } from '../../src/bot/commands/status.js';
import type { Cluster, Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';
import { sshTargetFor } from '../../src/config/lookup.js';
import { parseIpvsList } from '../../src/core/ipvs/index.js';
import { labDown, labStatus, labUp } from '../../src/lab/index.js';
import { createLogger } from '../../src/log/logger.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { StatusRequester, startStatusWorker } from '../../src/status/status-queue.js';
import type { StatusReport } from '../../src/status/status-report.js';
import { type BenchScenario, type Figure, percentile } from '../figure.js';
import { REDIS_URL } from '../peers/lvs-chatops.js';
import { type AckCase, measureCommand } from './slack-ack.js';

// A lab of its own (prefix, subnet, state), beside the lab and remediation scenarios' and the tests'.
const LAB = { prefix: 'lvq', stateDir: '/run/lvs-chatops-lab-bench-status', subnet: '10.210.26.0/23' };
const SERVICES = 20;
const REAL_SERVERS = 1000;
/** `StatusRequester` shares one read among the answers of one 3-second bucket. */
const STATUS_CACHE_MS = 3000;

/**
 * The lab's inventory grown to 20 virtual services and 1,000 real servers: the lab's `web`
 * (port 80, its three real servers) and 19 more services on the same VIP (ports 8001…),
 * served by 997 more real servers. Those exist only in the directors' IPVS tables (no client
 * ever connects to their services, so no packet goes to them); their addresses are in
 * 10.210.32.0/22, which no lab uses.
 */
function statusInventory(path: string): Inventory {
  const doc = parse(readFileSync(path, 'utf8'));
  const cluster = doc.clusters[0];
  const web = cluster.virtualServices[0];
  const hostKey = 'SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc';
  const extra = REAL_SERVERS - cluster.realServers.length;
  const services = SERVICES - 1;
  for (let s = 1; s <= services; s++) {
    cluster.virtualServices.push({
      name: `svc-${s}`,
      vip: web.vip,
      port: 8000 + s,
      protocol: 'tcp',
      scheduler: 'wlc',
      forwarding: 'dr',
    });
  }
  for (let k = 0; k < extra; k++) {
    const s = 1 + (k % services);
    cluster.realServers.push({
      name: `rs-${k + 1}`,
      address: `10.210.${32 + Math.floor((k + 1) / 250)}.${1 + ((k + 1) % 250)}`,
      ssh: { hostKey },
      services: [{ service: `svc-${s}`, port: 8000 + s, weight: 1 + (k % 5) }],
    });
  }
  const loaded = parseInventory(stringify(doc));
  if (!loaded.ok) throw new Error(loaded.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return loaded.value;
}

/** The cluster's whole IPVS table as `ipvsadm -R` takes it, from the inventory. */
function restoreRules(cluster: Cluster): string {
  const lines: string[] = [];
  for (const vs of cluster.virtualServices) {
    lines.push(`-A -t ${vs.vip}:${vs.port} -s ${vs.scheduler ?? 'wlc'}`);
    for (const rs of cluster.realServers) {
      for (const member of rs.services.filter((m) => m.service === vs.name)) {
        lines.push(
          `-a -t ${vs.vip}:${vs.port} -r ${rs.address}:${member.port ?? vs.port} -g -w ${member.weight}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Loads the table into both directors with `ipvsadm -C` and `ipvsadm -R` (so the standby is in
 * sync, as heartbeat's setup keeps it), over SSH, and reads it back to check it is all there.
 */
async function loadTables(inventory: Inventory, ssh: SshExecutor): Promise<void> {
  const cluster = inventory.clusters[0]!;
  const rules = restoreRules(cluster);
  for (const d of cluster.directors) {
    const target = sshTargetFor(inventory, cluster.name, d.name);
    if (!target.ok) throw new Error(target.error.message);
    await ssh.run(target.value, ['ipvsadm', '-C']);
    await ssh.run(target.value, ['ipvsadm', '-R'], { stdin: rules });
    const listed = await ssh.run(target.value, ['ipvsadm', '-L', '-n']);
    const table = parseIpvsList(listed.stdout);
    if (!table.ok) throw new Error(`${d.name}: ${table.error.message}`);
    const count = table.value.services.reduce((n, s) => n + s.realServers.length, 0);
    if (table.value.services.length !== SERVICES || count !== REAL_SERVERS) {
      throw new Error(
        `${d.name} holds ${table.value.services.length} virtual services and ${count} real servers after ipvsadm -R, not ${SERVICES} and ${REAL_SERVERS}`,
      );
    }
  }
}

/**
 * `/lvs status` for 2 directors, 20 virtual services and 1,000 real servers, against the real
 * lab's directors loaded with that table: the bot (HTTP and Socket Mode) acks and queues the
 * read, a status worker reads both directors over SSH, one command each (addresses and
 * `ipvsadm -L -n`, heartbeat's `cl_status` beside them), through the same executor the workers
 * use, parses, builds the report, and the bot renders it and posts it to the response_url.
 * Each timed command waits for the status cache to expire first, so each answer is a fresh
 * read of the directors (checked).
 */
export const slackStatusScenario: BenchScenario = {
  name: 'slack-status',
  needs: ['redis', 'lab'],
  slow: true,
  async run({ quick, log }): Promise<Figure[]> {
    await labDown(LAB);
    await labUp(LAB, (l) => log(l));
    const logger = createLogger({ level: 'warn', name: 'bench-status', destination: pino.destination(2) });
    const ssh = new SshExecutor({ logger });
    const prefix = `bench-status-${randomUUID().slice(0, 8)}`;
    const connections = [0, 1, 2].map(() => new Redis(REDIS_URL, { maxRetriesPerRequest: null }));
    let worker: ReturnType<typeof startStatusWorker> | undefined;
    let requester: StatusRequester | undefined;
    try {
      const inventory = statusInventory((await labStatus(LAB.stateDir)).inventory);
      const t0 = performance.now();
      await loadTables(inventory, ssh);
      log(
        `loaded ${SERVICES} virtual services, ${REAL_SERVERS} real servers into lb1 and lb2 (ipvsadm -R) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      worker = startStatusWorker({ connection: connections[0]!, inventory, runner: ssh, logger, prefix });
      requester = new StatusRequester(connections[1]!, connections[2]!, { prefix });
      const reads = { fresh: 0, cached: 0, incomplete: 0 };
      /** How long the worker took to read both directors (SSH, in parallel), per fresh read. */
      const readMs: number[] = [];
      const source = {
        read: async (cluster: string): Promise<StatusReport> => {
          const asked = Date.now();
          const report = await requester!.read(cluster);
          if (report.readAt < asked) reads.cached++;
          else {
            reads.fresh++;
            readMs.push(report.durationMs);
          }
          const shown = report.services.flatMap((s) => s.realServers).filter((r) => r.weight !== null);
          if (report.services.length !== SERVICES || shown.length !== REAL_SERVERS) reads.incomplete++;
          return report;
        },
      };
      const statusCase: AckCase = {
        label: `/lvs status, ${REAL_SERVERS.toLocaleString('en')} real servers`,
        command: '/lvs status',
        user: 'U0OPERATOR',
        channel: 'C0LVSOPS',
        ackP99Ms: 100,
        answer: { goalMs: 1000 },
        inventory: async () => inventory,
        extra: { status: statusHandler(source) },
        warmups: 2,
        // Start just after the cache's bucket turned: the read is fresh, never a cached answer.
        before: () => sleep(STATUS_CACHE_MS - (Date.now() % STATUS_CACHE_MS) + 20),
      };
      const samples = quick ? 5 : 20;
      const figures: Figure[] = [];
      for (const mode of ['http', 'socket'] as const) {
        figures.push(...(await measureCommand(mode, statusCase, samples, log)));
      }
      const split = `the worker's read of both directors (heartbeat, addresses, IPVS table over SSH, in parallel) took p50 ${percentile(readMs, 50).toFixed(0)} ms, p99 ${percentile(readMs, 99).toFixed(0)} ms of it`;
      log(
        `status reads: ${reads.fresh} fresh, ${reads.cached} from the cache, ${reads.incomplete} without all ${REAL_SERVERS} real servers; ${split}`,
      );
      if (reads.incomplete > 0 || reads.cached > 0) {
        throw new Error(
          `${reads.incomplete} status answers missed real servers and ${reads.cached} came from the cache: the figures would not be what they say`,
        );
      }
      const note = `2 directors (lab, UML), ${SERVICES} virtual services, ${REAL_SERVERS} real servers loaded with ipvsadm -R into both; ${samples} fresh reads per mode (the cache expired before each), both directors read over SSH by a status worker, parsed, rendered and posted to the response_url; ${split}.`;
      return figures.map((f) => (f.name.includes('full answer') ? { ...f, note } : f));
    } finally {
      await worker?.close().catch(() => undefined);
      await requester?.close().catch(() => undefined);
      await ssh.close().catch(() => undefined);
      const redis = connections[0]!;
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) await redis.del(...found);
      } while (cursor !== '0');
      for (const c of connections) c.disconnect();
      await labDown(LAB);
    }
  },
};
