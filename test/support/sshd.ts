import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SshTarget } from '../../src/ssh/target.js';

const run = promisify(execFile);

/** Where the state dir appears inside sshd's mount namespace (see `start`). */
const INSIDE = '/run/lvs-sshd';

export interface TestSshdOptions {
  /** The host key's type. Default ed25519. */
  hostKeyType?: 'ed25519' | 'rsa' | 'ecdsa';
  /** sshd's MaxSessions (sessions per connection). Default 10, OpenSSH's default. */
  maxSessions?: number;
}

/**
 * A real OpenSSH sshd on 127.0.0.1 with its own config, host key and authorized_keys in a
 * fresh temp dir, logging in as root with a key made for it.
 *
 * How it is isolated (it needs root, as CI runs): sshd runs under `unshare --mount`, in its own
 * mount namespace, where
 * - a private tmpfs (mode 0755) covers /run, holding the privilege-separation dir /run/sshd, so
 *   we never create or remove the host's /run/sshd, which the lab scripts manage;
 * - the temp dir is bind-mounted at /run/lvs-sshd, so StrictModes stays on (as on a real host)
 *   and passes: /tmp itself is 1777, which StrictModes rightly refuses as a parent of
 *   authorized_keys;
 * - a private empty tmpfs covers /root, so root's login shell does not source this machine's
 *   /root/.bashrc (pyenv init, which makes every command take most of a second): commands run
 *   as on a fresh host. Everything else (/tmp, /usr, /proc) is the host's.
 * The namespace dies with its last process; `stop` ends every process in it (listener, sessions,
 * the commands they run), as a crash or reboot of the host would.
 */
export class TestSshd {
  readonly host = '127.0.0.1';
  readonly user = 'root';
  private pid = 0;
  private mountNs = '';
  private hostKeySerial = 0;

  private constructor(
    /** The temp dir; commands on the server see the same files under this path. */
    readonly dir: string,
    private listenPort: number,
    private readonly options: Required<TestSshdOptions>,
  ) {}

  static async start(options: TestSshdOptions = {}): Promise<TestSshd> {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'the sshd test harness needs root: it runs sshd in its own mount namespace (unshare --mount)',
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'lvs-sshd-'));
    const sshd = new TestSshd(dir, await freePort(), {
      hostKeyType: options.hostKeyType ?? 'ed25519',
      maxSessions: options.maxSessions ?? 10,
    });
    await keygen(sshd.clientKeyPath, 'ed25519', 'lvs-chatops-test-client');
    await writeFile(join(dir, 'authorized_keys'), await readFile(`${sshd.clientKeyPath}.pub`), {
      mode: 0o600,
    });
    await sshd.newHostKey();
    // A free port can be taken by another process between our look and sshd's bind (on a busy
    // machine running other suites): then start on another one. A restart keeps its port.
    for (let attempt = 1; ; attempt++) {
      try {
        await sshd.launch();
        return sshd;
      } catch (error) {
        if (attempt >= 5 || !/Address already in use/.test((error as Error).message)) throw error;
        sshd.listenPort = await freePort();
      }
    }
  }

  /** The port sshd listens on (127.0.0.1). */
  get port(): number {
    return this.listenPort;
  }

  /** The private key authorized to log in as root. */
  get clientKeyPath(): string {
    return join(this.dir, 'client_key');
  }

  get hostKeyPath(): string {
    return join(this.dir, 'ssh_host_key');
  }

  get logPath(): string {
    return join(this.dir, 'sshd.log');
  }

  /** The host key as an OpenSSH known_hosts line, `[127.0.0.1]:PORT ssh-ed25519 AAAA…`. */
  knownHostsLine(): string {
    const [type, blob] = readFileSync(`${this.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/);
    return `[${this.host}]:${this.port} ${type} ${blob}`;
  }

  /** The host key's `SHA256:` fingerprint, as `ssh-keygen -lf` prints it. */
  async fingerprint(): Promise<string> {
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${this.hostKeyPath}.pub`]);
    const fp = stdout.split(/\s+/)[1];
    if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${stdout}`);
    return fp;
  }

  /** A target for this sshd, host key pinned by its known_hosts line. */
  target(overrides: Partial<SshTarget> = {}): SshTarget {
    return {
      name: 'test-sshd',
      host: this.host,
      port: this.port,
      user: this.user,
      privateKey: this.clientKeyPath,
      hostKey: this.knownHostsLine(),
      ...overrides,
    };
  }

  /** A fresh key pair that is not in authorized_keys; returns the private key's path. */
  async unauthorizedKey(): Promise<string> {
    const path = join(this.dir, `stranger_key_${Date.now()}`);
    await keygen(path, 'ed25519', 'stranger');
    return path;
  }

  /** sshd's log so far (LogLevel VERBOSE), across restarts. */
  log(): string {
    return readFileSync(this.logPath, 'utf8');
  }

  /** How many connections sshd accepted the client key on (one per SSH connection). */
  acceptedLogins(): number {
    return this.log().match(/Accepted publickey for root/g)?.length ?? 0;
  }

  /** How many exec sessions (commands) sshd started. */
  sessionsStarted(): number {
    return this.log().match(/Starting session: command for root/g)?.length ?? 0;
  }

  /** How many TCP connections sshd saw. */
  connectionsSeen(): number {
    return this.log().match(/Connection from 127\.0\.0\.1 port \d+/g)?.length ?? 0;
  }

  /**
   * Ends every process of this sshd (listener, sessions, the commands they run) and starts a
   * new listener on the same port, optionally with a newly generated host key.
   */
  async restart(options: { newHostKey?: boolean } = {}): Promise<void> {
    await this.stop();
    if (options.newHostKey) await this.newHostKey();
    await this.launch();
  }

  /** SIGSTOP to every process of this sshd: connections stay open at the TCP level but nothing answers. */
  async pause(): Promise<void> {
    for (const pid of await this.processes()) signal(pid, 'SIGSTOP');
  }

  async resume(): Promise<void> {
    for (const pid of await this.processes()) signal(pid, 'SIGCONT');
  }

  /** Ends every process of this sshd: its connections drop, as when the host goes down. */
  async stop(): Promise<void> {
    if (!this.pid) return;
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      const pids = await this.processes();
      if (pids.length === 0) break;
      for (const pid of pids) {
        signal(pid, 'SIGCONT');
        signal(pid, sig);
      }
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline && (await this.processes()).length > 0) await sleep(20);
    }
    this.pid = 0;
  }

  /** Stops sshd and removes its temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async newHostKey(): Promise<void> {
    await rm(this.hostKeyPath, { force: true });
    await rm(`${this.hostKeyPath}.pub`, { force: true });
    this.hostKeySerial++;
    await keygen(this.hostKeyPath, this.options.hostKeyType, `test-host-${this.hostKeySerial}`);
  }

  private async launch(): Promise<void> {
    const config = [
      `Port ${this.port}`,
      `ListenAddress ${this.host}`,
      `HostKey ${INSIDE}/ssh_host_key`,
      `AuthorizedKeysFile ${INSIDE}/authorized_keys`,
      'PidFile none',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes yes',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      `MaxSessions ${this.options.maxSessions}`,
      'LogLevel VERBOSE',
      '',
    ].join('\n');
    await writeFile(join(this.dir, 'sshd_config'), config, { mode: 0o600 });
    const script = [
      'set -e',
      'mount -t tmpfs -o mode=0755,size=1m lvs-sshd-run /run',
      `mkdir -m 0755 /run/sshd ${INSIDE}`,
      `mount --bind '${this.dir}' ${INSIDE}`,
      'mount -t tmpfs -o mode=0700,size=1m lvs-sshd-root /root',
      `exec /usr/sbin/sshd -D -e -f ${INSIDE}/sshd_config`,
    ].join('\n');
    const logStart = await fileSize(this.logPath);
    const logFd = openSync(this.logPath, 'a');
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    const pid = child.pid;
    if (!pid) throw new Error('could not start unshare/sshd');
    const ready = `Server listening on ${this.host} port ${this.port}.`;
    // Not a measure of speed: only a bound for an sshd that neither listens nor exits (a busy
    // 2-core machine has taken seconds to start one).
    const deadline = Date.now() + 60_000;
    while (!this.log().slice(logStart).includes(ready)) {
      if (exited || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`sshd did not start on port ${this.port}:\n${this.log().slice(logStart)}`);
      }
      await sleep(20);
    }
    this.pid = pid;
    this.mountNs = await readlink(`/proc/${pid}/ns/mnt`);
  }

  /** Every live process in this sshd's mount namespace (zombies are dead enough). */
  private async processes(): Promise<number[]> {
    if (!this.mountNs) return [];
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if ((await readlink(`/proc/${entry}/ns/mnt`)) !== this.mountNs) continue;
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
        pids.push(Number(entry));
      } catch {
        // The process ended while we looked.
      }
    }
    return pids;
  }
}

/** Whether a process on this machine has ended (or is a zombie) within `timeoutMs`. */
export async function processEnded(pid: number, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    } catch {
      return true;
    }
    await sleep(25);
  }
  return false;
}

async function keygen(path: string, type: string, comment: string): Promise<void> {
  const bits = type === 'rsa' ? ['-b', '3072'] : [];
  await run('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', comment, '-f', path]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await readFile(path)).length;
  } catch {
    return 0;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
