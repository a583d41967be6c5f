import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { which } from '../needs.js';
import { killOnExit } from './children.js';
import { freePort } from './free-port.js';
import { peakRssMb, rssMb } from './process-memory.js';

export interface AlertmanagerOptions {
  /** Where notifications go (a webhook receiver). */
  webhookUrl: string;
  /** How long a new group waits for more alerts before its first notification. */
  groupWaitMs: number;
  /** How long a group waits before notifying about alerts added since its last notification. */
  groupIntervalMs: number;
}

export interface Alertmanager {
  /** Base URL: POST `${url}/api/v2/alerts`. */
  url: string;
  pid: number;
  version: string;
  rssMb(): number;
  peakRssMb(): number;
  stop(): Promise<void>;
}

export const ALERTMANAGER = 'prometheus-alertmanager';

export function alertmanagerInstalled(): boolean {
  return which(ALERTMANAGER) !== undefined;
}

/** The route the storm is compared under: one notification per host (mon group) in a cluster. */
function config(opts: AlertmanagerOptions): string {
  return [
    'route:',
    '  receiver: bench',
    '  group_by: [cluster, group]',
    `  group_wait: ${opts.groupWaitMs}ms`,
    `  group_interval: ${opts.groupIntervalMs}ms`,
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: bench',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(opts.webhookUrl)}`,
    '        send_resolved: false',
    '',
  ].join('\n');
}

/**
 * Debian's Prometheus Alertmanager on loopback, with a config and storage directory of its
 * own in a temporary directory, a free port, and clustering off (`--cluster.listen-address=`).
 */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<Alertmanager> {
  const binary = which(ALERTMANAGER);
  if (!binary) throw new Error(`${ALERTMANAGER} is not installed (apt-get install prometheus-alertmanager)`);
  const dir = mkdtempSync(join(tmpdir(), 'lvs-bench-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, config(opts));
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${ALERTMANAGER} exited (${child.exitCode}) before it was ready:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${ALERTMANAGER} did not answer ${url}/-/ready within 20 s:\n${output}`);
    }
    await sleep(100);
  }
  let version = 'unknown';
  try {
    version =
      /version (\S+)/.exec(
        execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
      )?.[1] ?? version;
  } catch {}
  const pid = child.pid!;
  return { url, pid, version, rssMb: () => rssMb(pid), peakRssMb: () => peakRssMb(pid), stop };
}
