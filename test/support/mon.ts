import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MON_BIN = '/usr/sbin/mon';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/**
 * Debian's real mon on the host, in the foreground as our child, with its config, state and
 * logs in a temp dir and its client port on a free loopback port. `mon.cf` is given whole.
 */
export class TestMon {
  private output = '';
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
  }

  static async start(monCf: string, opts: { authCf?: string; alertDir?: string } = {}): Promise<TestMon> {
    const dir = await mkdtemp(join(tmpdir(), 'lvs-mon-'));
    for (const d of ['state', 'log']) await mkdir(join(dir, d));
    // Everyone may run every command unless the test says otherwise.
    await writeFile(
      join(dir, 'auth.cf'),
      opts.authCf ??
        'command section\nlist:\tall\nack:\tall\ndisable:\tall\nenable:\tall\nversion:\tall\nquit:\tall\ntest:\tall\n',
    );
    await writeFile(join(dir, 'mon.cf'), monCf);
    const port = await freePort();
    const args = [
      ...['-c', join(dir, 'mon.cf'), '-B', dir, '-A', join(dir, 'auth.cf')],
      ...['-a', opts.alertDir ?? '/usr/lib/mon/alert.d', '-s', '/usr/lib/mon/mon.d'],
      ...['-D', join(dir, 'state'), '-L', join(dir, 'log'), '-P', join(dir, 'mon.pid')],
      ...['-p', String(port), '-t', String(await freePort())],
    ];
    const child = spawn(MON_BIN, args, {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const mon = new TestMon(dir, port, child);
    await mon.waitForPort();
    return mon;
  }

  get log(): string {
    return this.output;
  }

  private async waitForPort(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`mon exited (${this.child.exitCode}): ${this.output}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: this.port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`mon did not open its client port ${this.port}: ${this.output}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null) {
      const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
