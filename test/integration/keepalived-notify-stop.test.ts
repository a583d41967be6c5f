import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keepalivedNotifySchema } from '../../src/ingest/schemas/keepalived-notify.js';
import { IngestPeer, NOTIFY_SH, TOKEN, tempDir, waitFor } from './slack-alert-helpers.js';

/**
 * keepalived runs a STOP notification as it shuts down: it starts the script in a process
 * group of its own, SIGKILLs that group when the script is still running 1 s later
 * (vrrp_notify.c: system_call_script with child_killed_thread and TIMER_HZ), and the kernel
 * sends the script SIGTERM when keepalived exits (PR_SET_PDEATHSIG). A busy director easily
 * spends that second before the event is spooled. Here notify.sh is started the same way and
 * its group gets the signal while it reads its configuration, before the event is spooled:
 * the event must still reach the bot.
 */

const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };
const started: ChildProcess[] = [];

beforeAll(() => peer.start());
afterAll(() => peer.stop());
beforeEach(async () => {
  dir = await tempDir('keepalived-notify-stop');
  peer.received.length = 0;
});
afterEach(async () => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await dir.remove();
});

const ARGV = ['INSTANCE', 'VI_WEB', 'STOP', '150'];

describe('notify.sh whose process group keepalived signals at shutdown', () => {
  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'still delivers the STOP event when the group gets %s before the event is spooled',
    async (signal) => {
      const spool = join(dir.path, 'spool');
      // The config file is a FIFO: notify.sh's first read of it blocks until the signaller
      // below opens it, so the signal lands at a known point, before anything is spooled.
      const conf = join(dir.path, 'alert.conf');
      expect(spawnSync('mkfifo', ['-m', '600', conf]).status).toBe(0);
      const content = `LVS_CHATOPS_URL=${peer.url}\nLVS_CHATOPS_TOKEN=${TOKEN}\nLVS_CHATOPS_KEEPALIVED_SPOOL=${spool}\n`;

      // As keepalived starts a script: setpgid(0, 0), then exec; stdin not a terminal.
      const notify = spawn(
        'perl',
        ['-e', 'setpgrp(0, 0) or die "setpgrp: $!"; exec @ARGV or die "exec: $!"', NOTIFY_SH, ...ARGV],
        {
          env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LVS_CHATOPS_CONF: conf },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      started.push(notify);
      let stderr = '';
      notify.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        notify.on('exit', (code, sig) => resolve({ code, signal: sig })),
      );

      // Opening the FIFO for writing waits for notify.sh to read its configuration; then the
      // signal goes to the group keepalived would signal, and every later read gets the file.
      const signaller = spawn(
        'sh',
        [
          '-c',
          'trap "" PIPE; exec 3>"$1"; kill -s "$2" -- "-$3"; exec 3>&-; while :; do printf "%s" "$4" >"$1"; done',
          'signaller',
          conf,
          signal.slice(3),
          String(notify.pid),
          content,
        ],
        { stdio: 'ignore' },
      );
      started.push(signaller);

      const exit = await exited;
      if (signal === 'SIGKILL') expect(exit.signal).toBe('SIGKILL');
      else expect(exit).toEqual({ code: 0, signal: null });

      await waitFor(
        () => peer.accepted.length > 0,
        15_000,
        `the STOP event at the bot (notify.sh said: ${stderr})`,
      );
      const event = keepalivedNotifySchema.parse(peer.accepted[0]);
      expect(event.argv).toEqual(ARGV);
      expect(event.event).toEqual({
        type: 'vrrp',
        scope: 'instance',
        name: 'VI_WEB',
        state: 'stop',
        priority: 150,
      });
      expect(peer.accepted).toHaveLength(1);
      // Delivered, so nothing waits for a retry once the run has taken it out of the spool.
      const waiting = () => readdirSync(spool).filter((n) => n.endsWith('.json'));
      await waitFor(() => waiting().length === 0, 15_000, `an empty spool (left: ${waiting().join(' ')})`);
    },
    30_000,
  );
});
