import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';
import { makeSnapshot } from '../../src/core/policy/approval-snapshot.js';
import type { Check } from '../../src/playbooks/checks.js';
import type { Plan, RemoteCommand, Step } from '../../src/playbooks/plan.js';
import { planFor, readsFor } from '../../src/playbooks/playbooks.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { EventStore } from '../../src/store/event-store.js';
import { Keys } from '../../src/store/keys.js';
import type { Planner } from '../../src/workers/playbook-processor.js';
import { PlaybookWorker, type PlaybookWorkerOptions } from '../../src/workers/playbook-worker.js';
import { TEST_REDIS_URL, testRedis } from '../support/redis.js';
import { TestSshd } from '../support/sshd.js';

/**
 * A cluster whose two directors are real OpenSSH sshds on this machine, real Redis under a
 * fresh prefix, the real producer and real workers. The playbooks' own commands (ipvsadm,
 * heartbeat) run for real in the lab (test/lab); here the worker machinery is tested with
 * plans of ordinary commands that really run over SSH (`sleep`, `mkdir`), given by a planner
 * the test controls, or with the real playbooks where the host can answer for real.
 */
export interface WorkerRig {
  lb1: TestSshd;
  lb2: TestSshd;
  redis: Redis;
  prefix: string;
  inventory: Inventory;
  producer: JobProducer;
  events: EventStore;
  /** The plan the test planner hands out next (a function of the cluster and target). */
  setPlan(make: (() => Plan) | undefined): void;
  planner: Planner;
  startWorker(over?: Partial<PlaybookWorkerOptions>): Promise<PlaybookWorker>;
  dispose(): Promise<void>;
}

export function inventoryYaml(
  lb1: TestSshd,
  lb2: TestSshd,
  over: { approvalRequired?: string[] } = {},
): string {
  const director = (name: string, address: string, sshd: TestSshd, preferred: boolean) => `
      - name: ${name}
        address: ${address}
        preferred: ${preferred}
        ssh:
          host: 127.0.0.1
          port: ${sshd.port}
          key: ${sshd.clientKeyPath}
          connectTimeout: 3s
          commandTimeout: 60s
          hostKey: "${sshd.knownHostsLine()}"`;
  const realServer = (n: number) => `
      - name: web-${n}
        address: 10.99.0.1${n}
        ssh:
          host: 127.0.0.1
          port: ${lb1.port}
          key: ${lb1.clientKeyPath}
          hostKey: "${lb1.knownHostsLine()}"
        services: [{ service: web }]`;
  return `
version: 1
slack:
  team: T0TEST
  channels: [{ id: C0LVSOPS, name: lvs-ops }]
clusters:
  - name: lab
    directors:${director('lb1', '10.99.0.1', lb1, true)}${director('lb2', '10.99.0.2', lb2, false)}
    heartbeat: { interface: eth0, keepalive: 500ms, deadtime: 3s }
    virtualServices:
      - { name: web, vip: 10.99.0.100, port: 80 }
    realServers:${realServer(1)}${realServer(2)}${realServer(3)}
    filesets:
      - name: www
        hosts: [lb1]
        mountPoint: /run/lvs-sshd/www
        type: tmpfs
        mount: [mount, -t, tmpfs, -o, size=1m, lvs-www, /run/lvs-sshd/www]
        unmount: [umount, /run/lvs-sshd/www]
    slack:
      channel: C0LVSOPS
      operators: { users: [U0OPERATOR, U0APPROVER] }
      approvers: { users: [U0APPROVER] }
    policy:
      approval: { required: [${(over.approvalRequired ?? []).join(', ')}] }
      auto:
        - { service: web, onDown: remove-real-server, onUp: restore-real-server, maxPerServerPerHour: 2 }
`;
}

export function loadYaml(yaml: string): Inventory {
  const loaded = parseInventory(yaml);
  if (!loaded.ok) throw new Error(loaded.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return loaded.value;
}

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startRig(over: { approvalRequired?: string[] } = {}): Promise<WorkerRig> {
  const [lb1, lb2] = await Promise.all([TestSshd.start(), TestSshd.start()]);
  const ctx = testRedis();
  const inventory = loadYaml(inventoryYaml(lb1, lb2, over));
  const producer = new JobProducer({ redis: ctx.redis, inventory, prefix: ctx.prefix, backoffMs: 200 });
  const events = new EventStore(ctx.redis, new Keys(ctx.prefix));
  let make: (() => Plan) | undefined;
  const planner: Planner = {
    readsFor: (cluster, target) => (make ? [] : readsFor(cluster, target)),
    planFor: (input) => (make ? make() : planFor(input)),
  };
  const workers: PlaybookWorker[] = [];
  const executors: SshExecutor[] = [];
  return {
    lb1,
    lb2,
    redis: ctx.redis,
    prefix: ctx.prefix,
    inventory,
    producer,
    events,
    planner,
    setPlan(next) {
      make = next;
    },
    async startWorker(options = {}) {
      const runner = new SshExecutor({ connectTimeoutMs: 3_000 });
      executors.push(runner);
      const worker = await PlaybookWorker.start({
        connect: () => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }),
        inventory,
        logger: quietLogger,
        prefix: ctx.prefix,
        runner,
        events,
        planner,
        lockDurationMs: 5_000,
        stalledIntervalMs: 2_000,
        shutdownGraceMs: 5_000,
        ...options,
      });
      workers.push(worker);
      return worker;
    },
    async dispose() {
      await Promise.all(workers.map((w) => w.close(0)));
      await Promise.all(executors.map((e) => e.close()));
      await producer.close();
      await ctx.cleanup();
      await Promise.all([lb1.dispose(), lb2.dispose()]);
    },
  };
}

/** A plan made of steps that run ordinary commands over SSH. */
export function commandPlan(steps: (Partial<Step> & { id: string })[]): Plan {
  return {
    playbook: 'save-rules',
    cluster: 'lab',
    title: 'test plan',
    activeDirector: 'lb1',
    safety: [],
    blockers: [],
    steps: steps.map(
      (s): Step => ({
        title: s.id,
        doneWhen: null,
        actions: [],
        wait: null,
        verify: [],
        rollback: [],
        required: true,
        onlyAfterChange: false,
        ...s,
      }),
    ),
    snapshot: makeSnapshot(['test']),
    remember: [],
    undo: null,
    alreadyDone: false,
    doneWhenPlanned: [],
  };
}

export function run(host: string, ...argv: string[]): RemoteCommand {
  return { host, argv, judge: { kind: 'exit', okCodes: [0] } };
}

/** A check that never holds: / is always mounted. */
export const NEVER: Check = { kind: 'unmounted', host: 'lb1', mountPoint: '/' };

/** Processes on this machine whose command line is exactly `argv`. */
export async function processesRunning(...argv: string[]): Promise<number[]> {
  try {
    const { stdout } = await promisify(execFile)('pgrep', ['-x', '-f', argv.join(' ')]);
    return stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const OPERATOR = { user: 'U0OPERATOR', via: 'slack' } as const;
