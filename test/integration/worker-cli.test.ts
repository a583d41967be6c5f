import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobProducer } from '../../src/queues/job-producer.js';
import { TestSshd } from '../support/sshd.js';
import { buildDist, ROOT } from './ingest-child.js';
import { inventoryYaml, loadYaml, OPERATOR, processesRunning, until } from './worker-support.js';

// The CLI uses the production key prefix (lvs): it runs against a Redis database of its own,
// emptied before and after.
const REDIS_URL = `${process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'}/9`;

let sshd: TestSshd;
let redis: Redis;
let inventoryPath: string;
let producer: JobProducer;

beforeAll(async () => {
  await buildDist();
  [sshd] = await Promise.all([TestSshd.start()]);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  await redis.flushdb();
  // A fileset whose "mount" hangs: what a stuck NFS or InterMezzo mount looks like to the worker.
  const yaml = inventoryYaml(sshd!, sshd!).replace(
    /mount: \[mount, -t, tmpfs[^\n]*\n/,
    'mount: [sleep, "315"]\n',
  );
  inventoryPath = join(mkdtempSync(join(tmpdir(), 'lvs-worker-cli-')), 'inventory.yml');
  writeFileSync(inventoryPath, yaml);
  producer = new JobProducer({ redis, inventory: loadYaml(yaml) });
});
// A test that fails half way must not leave its worker running: it would take the next run's jobs.
const started: ChildProcess[] = [];

afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await producer?.close();
  await redis?.flushdb();
  await redis?.quit();
  await sshd?.dispose();
});

function startCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/lvs-chatops.js'), 'worker', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LVS_INVENTORY: inventoryPath, REDIS_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('lvs-chatops worker', () => {
  it('refuses an inventory it cannot use, saying which and why', async () => {
    const { child, output } = startCli([], { LVS_INVENTORY: '/nonexistent/inventory.yml' });
    expect(await exited(child)).toBe(1);
    expect(output()).toContain('/nonexistent/inventory.yml is not a usable inventory (LVS_INVENTORY)');
  });

  it('refuses an unknown option as a usage error', async () => {
    const { child, output } = startCli(['--concurency', '2']);
    expect(await exited(child)).toBe(2);
    expect(output()).toContain("unknown option '--concurency'");
  });

  it('on SIGTERM aborts a command past the grace, hands its job back and exits 0', async () => {
    const { child, output } = startCli(['--shutdown-grace', '1s', '--concurrency', '2']);
    await until('the worker to start', async () => output().includes('playbook worker started'), 20_000);
    const { jobId } = await producer.requestRun({ playbook: 'remount-fileset', fileset: 'www' }, OPERATOR);
    await until('the hung mount', async () => (await processesRunning('sleep', '315')).length > 0, 20_000);
    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // Not the 315 s of the command: the 1 s grace, plus room for a busy machine.
    expect(Date.now() - t0).toBeLessThan(30_000);
    await until(
      'the remote command to end',
      async () => (await processesRunning('sleep', '315')).length === 0,
      5_000,
    );
    const audit = (await producer.get(jobId))!.audit;
    expect(audit.status).toBe('queued');
    expect(audit.log.at(-1)?.text).toMatch(/^handed back by .*: it is shutting down$/);
    await producer.cancel(jobId, 'U0OPERATOR');
  });
});
