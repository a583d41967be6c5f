import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

/** The path of an executable on PATH (or an absolute path that exists), else undefined. */
export function which(command: string): string | undefined {
  const dirs = command.includes('/') ? [''] : (process.env.PATH ?? '/usr/bin:/bin').split(delimiter);
  for (const dir of dirs) {
    const path = dir ? join(dir, command) : command;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

/** True when a Redis answers PING at host:port within a second. */
function redisAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * What is missing for a scenario's needs, as the line the report shows ("skipped: …"),
 * or undefined when everything is there.
 */
export async function missingNeed(needs: readonly string[]): Promise<string | undefined> {
  for (const need of needs) {
    switch (need) {
      case 'redis':
        if (!(await redisAnswers('127.0.0.1', 6379)))
          return 'no Redis answers at 127.0.0.1:6379 (apt-get install redis-server)';
        break;
      case 'sshd':
        if (!which('/usr/sbin/sshd')) return 'openssh-server is not installed (/usr/sbin/sshd)';
        break;
      case 'lab':
        if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces, IPVS)';
        if (!which('linux')) return 'user-mode-linux is not installed (the lab directors run in it)';
        break;
      case 'alertmanager':
        if (!which('prometheus-alertmanager'))
          return 'prometheus-alertmanager not installed (apt-get install prometheus-alertmanager)';
        break;
      default:
        return `unknown need '${need}'`;
    }
  }
  return undefined;
}
