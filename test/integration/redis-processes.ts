import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './ingest-own-redis.js';

/**
 * Redis topologies of a test's own, on free ports of 127.0.0.1, in temp dirs: a Sentinel set
 * (a primary, a replica, three Sentinels) and a Redis Cluster. Every process is a child of
 * the test and is killed by `dispose`, which also removes the dirs.
 */

const run = promisify(execFile);

export class RedisProcess {
  constructor(
    readonly name: string,
    readonly port: number,
    readonly child: ChildProcess,
  ) {}

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: nothing is flushed, the way a crashed host goes away. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}

async function startProcess(name: string, port: number, argv: string[]): Promise<RedisProcess> {
  const child = spawn('redis-server', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-2000);
  });
  const proc = new RedisProcess(name, port, child);
  await waitFor(`${name} to answer PING on port ${port}`, 20_000, async () => {
    if (!proc.alive) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
    return (await cli(port, 'PING').catch(() => '')) === 'PONG';
  });
  return proc;
}

/** One command through redis-cli (which this machine has, as every Redis host does). */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
  });
  return stdout.trim();
}

export async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A data node: AOF on (appendfsync always), no RDB snapshots. */
function dataNodeArgs(port: number, dir: string, extra: string[] = []): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    ...extra,
  ];
}

export class SentinelSet {
  readonly name = 'mymaster';
  private constructor(
    readonly dir: string,
    readonly primary: RedisProcess,
    readonly replica: RedisProcess,
    readonly sentinels: RedisProcess[],
  ) {}

  /** REDIS_URL naming this set. */
  get url(): string {
    return `redis-sentinel://${this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${this.name}`;
  }

  /**
   * A primary, its replica and three Sentinels (quorum 2) that call the primary down after
   * one second without an answer. Resolves once the replica is in sync and every Sentinel
   * knows the replica and the two other Sentinels (else a failover could not be agreed on).
   */
  static async start(): Promise<SentinelSet> {
    const dir = await mkdtemp(join(tmpdir(), 'lvs-sentinel-'));
    const started: RedisProcess[] = [];
    try {
      const [pPort, rPort, ...sPorts] = await distinctPorts(5);
      const primary = await startProcess('primary', pPort!, dataNodeArgs(pPort!, await sub(dir, 'primary')));
      started.push(primary);
      const replica = await startProcess(
        'replica',
        rPort!,
        dataNodeArgs(rPort!, await sub(dir, 'replica'), ['--replicaof', '127.0.0.1', String(pPort)]),
      );
      started.push(replica);
      await waitFor('the replica in sync', 20_000, async () =>
        /master_link_status:up/.test(await cli(rPort!, 'INFO', 'replication')),
      );
      const sentinels: RedisProcess[] = [];
      for (const [i, port] of sPorts.entries()) {
        const conf = join(await sub(dir, `sentinel-${i}`), 'sentinel.conf');
        await writeFile(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${join(dir, `sentinel-${i}`)}`,
            `sentinel monitor mymaster 127.0.0.1 ${pPort} 2`,
            'sentinel down-after-milliseconds mymaster 1000',
            // A failed election is tried again after twice this.
            'sentinel failover-timeout mymaster 4000',
            'sentinel parallel-syncs mymaster 1',
            '',
          ].join('\n'),
        );
        const s = await startProcess(`sentinel-${i}`, port, [conf, '--sentinel']);
        started.push(s);
        sentinels.push(s);
      }
      await waitFor('every Sentinel to know the replica and the other Sentinels', 30_000, async () => {
        for (const s of sentinels) {
          const replicas = await cli(s.port, 'SENTINEL', 'REPLICAS', 'mymaster');
          const others = await cli(s.port, 'SENTINEL', 'SENTINELS', 'mymaster');
          if (
            !replicas.includes(String(rPort)) ||
            sPorts.filter((p) => others.includes(String(p))).length < 2
          )
            return false;
        }
        return true;
      });
      return new SentinelSet(dir, primary, replica, sentinels);
    } catch (error) {
      await Promise.all(started.map((p) => p.kill()));
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The port of the primary, as the Sentinels announce it. */
  async primaryPort(): Promise<number> {
    const out = await cli(this.sentinels[0]!.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name);
    return Number(out.split('\n')[1]);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.sentinels, this.primary, this.replica].map((p) => p.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class RedisClusterSet {
  private constructor(
    readonly dir: string,
    readonly nodes: RedisProcess[],
  ) {}

  get url(): string {
    return `redis-cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  }

  /** Three primaries (no replicas), the 16384 slots split between them. */
  static async start(): Promise<RedisClusterSet> {
    const dir = await mkdtemp(join(tmpdir(), 'lvs-cluster-'));
    const nodes: RedisProcess[] = [];
    try {
      // A cluster node also listens on port + 10000 (the cluster bus): pick ports with both free.
      const ports = await distinctPorts(3, (p) => p < 55_000);
      for (const [i, port] of ports.entries()) {
        const nodeDir = await sub(dir, `node-${i}`);
        nodes.push(
          await startProcess(
            `cluster-node-${i}`,
            port,
            dataNodeArgs(port, nodeDir, [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              join(nodeDir, 'nodes.conf'),
              '--cluster-node-timeout',
              '2000',
            ]),
          ),
        );
      }
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...ports.map((p) => `127.0.0.1:${p}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { timeout: 60_000 },
      );
      await waitFor('the cluster to be ok on every node', 30_000, async () => {
        for (const n of nodes)
          if (!/cluster_state:ok/.test(await cli(n.port, 'CLUSTER', 'INFO'))) return false;
        return true;
      });
      return new RedisClusterSet(dir, nodes);
    } catch (error) {
      await Promise.all(nodes.map((n) => n.kill()));
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Deletes every key under `prefix:` on every node (a SCAN sees one node only). */
  async deleteKeys(prefix: string): Promise<void> {
    for (const n of this.nodes) {
      const redis = new Redis(n.port, '127.0.0.1');
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        for (const k of keys) await redis.del(k);
      } while (cursor !== '0');
      redis.disconnect();
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function sub(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  return path;
}

async function distinctPorts(n: number, ok: (p: number) => boolean = () => true): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const p = await freePort();
    if (ok(p)) ports.add(p);
  }
  return [...ports];
}
