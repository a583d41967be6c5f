import { breakHost, healHost, labStatus } from '../lab/index.js';
import type { ControlAction, ControlHost, ControlPanel } from '../localslack/index.js';

const ACTIONS: Record<'director' | 'real-server', { break: ControlAction; heal: ControlAction }> = {
  director: {
    break: { name: 'break', label: 'Stop heartbeat', danger: true },
    heal: { name: 'heal', label: 'Start heartbeat' },
  },
  'real-server': {
    break: { name: 'break', label: 'Stop HTTP', danger: true },
    heal: { name: 'heal', label: 'Start HTTP' },
  },
};

/**
 * The console's control panel over the lab in `stateDir`: each host offers the one fault
 * control that applies now (break when healthy, heal when broken), as `lab break|heal` does.
 */
export function labControls(stateDir: string): ControlPanel {
  return {
    title: 'Lab',
    async status() {
      const s = await labStatus(stateDir);
      const summary = s.active
        ? `VIP ${s.vip}:${s.port} answered by ${s.answeredBy} through ${s.active}`
        : `VIP ${s.vip}:${s.port} is NOT answering`;
      const hosts: ControlHost[] = s.hosts.map((h) => {
        const words: string[] = [];
        if (h.role === 'director') {
          // A director that did not answer in time is `unknown`, not `down`: on a busy machine a
          // UML kernel can be slow to accept while it serves the VIP.
          words.push(h.state === 'unknown' ? 'unknown (ssh did not answer in time)' : h.state);
          if (h.name === s.active) words.push('holds the VIP');
        } else {
          words.push(h.http ? 'serving HTTP' : 'HTTP stopped');
        }
        if (h.fault) words.push(`fault: ${h.fault}`);
        const actions = ACTIONS[h.role];
        // A director that was killed (not just its heartbeat) is booted again by heal too.
        const broken = h.fault !== undefined || (h.role === 'real-server' && h.http === false);
        return {
          name: h.name,
          role: h.role,
          state: words.join(', '),
          faulty: broken || h.state === 'down',
          actions: [broken ? actions.heal : actions.break],
        };
      });
      return { summary, hosts };
    },
    async act(action, host) {
      const result =
        action === 'break' ? await breakHost(host, { stateDir }) : await healHost(host, { stateDir });
      return result.done;
    },
  };
}
