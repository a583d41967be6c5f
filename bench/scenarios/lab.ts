import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { breakHost, healHost, labDown, labSsh, labUp, openLab } from '../../src/lab/index.js';
import { type BenchScenario, type Figure, percentile } from '../figure.js';

// A lab of its own (prefix, subnet, state), so a lab up by hand or the tests' can run beside it.
const LAB = { prefix: 'lvb', stateDir: '/run/lvs-chatops-lab-bench', subnet: '10.210.6.0/23' };

function memAvailableMb(): number {
  const kb = Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
  return kb / 1024;
}

/**
 * The lab's own processes' memory: proportional set size (PSS) of the directors' UML processes
 * (guest RAM included: it is a shared mapping of their memory file) and of every process in
 * the lab's namespaces. Unlike MemAvailable, what other programs on the machine do meanwhile
 * does not move it.
 */
function labPssMb(): number {
  const { plan, state } = openLab(LAB.stateDir);
  const leaders = state.processes.filter((p) => p.group).map((p) => p.pid);
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (leaders.includes(pgid)) pids.add(Number(entry));
    } catch {}
  }
  for (const ns of [...plan.realServers.map((r) => r.netns), plan.client.netns]) {
    for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n')) {
      if (pid.trim()) pids.add(Number(pid));
    }
  }
  // UML's helper threads are processes sharing the kernel's memory: count each memory once.
  const seen = new Set<string>();
  let pssKb = 0;
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const key = `${readFileSync(`/proc/${pid}/maps`, 'utf8')}\n${rollup}`;
      if (seen.has(key)) continue;
      seen.add(key);
      pssKb += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
    } catch {}
  }
  return pssKb / 1024;
}

function figure(name: string, value: number, unit: string, goal: string, limit: number): Figure {
  return { name, value, unit, goal, pass: value <= limit };
}

/** The IPVS table on a director holds the VIP's service with all three real servers. */
async function fullTable(director: 'lb1' | 'lb2'): Promise<void> {
  const { plan } = openLab(LAB.stateDir);
  const d = plan.directors.find((x) => x.name === director)!;
  const saved = (await labSsh(plan, d.frontAddress, ['ipvsadm', '-S', '-n'])).stdout;
  const servers = saved.split('\n').filter((l) => l.startsWith(`-a -t ${plan.vip}:80 `));
  if (servers.length !== 3)
    throw new Error(`${director} holds ${servers.length} real servers, not 3:\n${saved}`);
}

/**
 * The whole lab (two UML directors with heartbeat, mon, three real servers, a client):
 * `lab up` until the VIP answers through lb1; memory at rest; failover (lb1's heartbeat
 * stopped → the VIP answering through lb2, whose IPVS table is then checked full) and failback
 * (lb1's heartbeat started → the VIP answering through lb1 again), timed from the moment the
 * stop or start command has run on lb1; a crash of lb1 and its reboot; and `lab down`.
 */
export const labScenario: BenchScenario = {
  name: 'lab',
  needs: ['lab'],
  async run({ quick, log }): Promise<Figure[]> {
    await labDown(LAB);
    const memBefore = memAvailableMb();
    const t0 = performance.now();
    await labUp(LAB, (l) => log(l));
    const up = (performance.now() - t0) / 1000;
    try {
      await sleep(5000);
      const memDrop = memBefore - memAvailableMb();
      const pss = labPssMb();
      log(`memory at rest: lab processes' PSS ${pss.toFixed(0)} MB, MemAvailable -${memDrop.toFixed(0)} MB`);

      const failovers: number[] = [];
      const failbacks: number[] = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        const over = await breakHost('lb1', { stateDir: LAB.stateDir, wait: true });
        await fullTable('lb2');
        failovers.push(over.seconds!);
        await sleep(2000);
        const back = await healHost('lb1', { stateDir: LAB.stateDir, wait: true });
        await fullTable('lb1');
        failbacks.push(back.seconds!);
        log(`failover ${over.seconds!.toFixed(1)} s, failback ${back.seconds!.toFixed(1)} s`);
        await sleep(3000);
      }
      const crash = await breakHost('lb1', { stateDir: LAB.stateDir, kill: true, wait: true });
      await fullTable('lb2');
      log(`failover after a crash of lb1: ${crash.seconds!.toFixed(1)} s`);
      const reboot = await healHost('lb1', { stateDir: LAB.stateDir, wait: true });
      log(`reboot of lb1 until it holds the VIP again: ${reboot.seconds!.toFixed(1)} s`);

      const t1 = performance.now();
      await labDown(LAB);
      const down = (performance.now() - t1) / 1000;
      return [
        figure('lab up (until the VIP answers through lb1)', up, 's', '<= 15 s', 15),
        figure('lab down', down, 's', '<= 3 s', 3),
        figure("lab memory at rest (its processes' PSS)", pss, 'MB', '<= 400 MB', 400),
        {
          name: 'lab memory at rest (MemAvailable drop, moved by other work too)',
          value: memDrop,
          unit: 'MB',
        },
        figure(
          'failover: lb1 heartbeat stopped -> VIP via lb2 (p50)',
          percentile(failovers, 50),
          's',
          '<= 12 s',
          12,
        ),
        figure(
          'failback: lb1 heartbeat started -> VIP via lb1 (p50)',
          percentile(failbacks, 50),
          's',
          '<= 12 s',
          12,
        ),
        { name: 'failover after a crash of lb1 (SIGKILL)', value: crash.seconds!, unit: 's' },
        { name: 'reboot of lb1 -> VIP back via lb1', value: reboot.seconds!, unit: 's' },
      ];
    } finally {
      await labDown(LAB);
    }
  },
};
