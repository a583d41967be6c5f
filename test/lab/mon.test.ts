import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadInventory } from '../../src/config/load-inventory.js';
import { breakHost, healHost } from '../../src/lab/index.js';
import { MonClient } from '../../src/mon/mon-client.js';
import { alertHook } from './global-setup.js';
import { eventually } from './lab-client.js';

const lab = inject('lab');
const hook = alertHook(inject('labSlot'));
const alertLog = join(lab.stateDir, 'logs', 'mon-alerts.log');
const loggedAlerts = () => {
  try {
    // Whole lines only: with the trailing newline counted as a line, the first line appended
    // after a count was skipped (the test missed mon's alert whenever the log had lines before).
    return readFileSync(alertLog, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  }
};

/** mon's own view of web-2 (its client port), or the reason it could not be had. */
async function web2InMon(): Promise<string> {
  const loaded = await loadInventory(lab.inventory);
  if (!loaded.ok) return 'the lab inventory does not load';
  const mon = loaded.value.clusters[0]?.mon;
  if (!mon) return 'the lab inventory names no mon';
  try {
    const client = await MonClient.connect({ host: mon.address, port: mon.port, timeoutMs: 5000 });
    try {
      const lines = (await client.opstatus()).filter((s) => s.group === 'web-2');
      return lines
        .map(
          (s) =>
            `${s.group}/${s.service}: ${s.opstatus?.name ?? 'untested'}${s.acked ? ' (acked)' : ''} ` +
            `last check ${s.lastCheck ?? 'never'}, last alert ${s.lastAlert ?? 'never'}, summary '${s.lastSummary}'`,
        )
        .join('; ');
    } finally {
      client.close();
    }
  } catch (err) {
    return `mon does not answer at ${mon.address}:${mon.port} (${(err as Error).message})`;
  }
}

interface Hook {
  path: string;
  authorization: string | undefined;
  body: {
    kind?: string;
    cluster?: string;
    mon?: { group?: string; service?: string; type?: string };
    lvs?: { virtual?: unknown; real?: unknown; forwarding?: string };
  };
}

describe('mon on the active director', () => {
  // Stands where the bot listens: this machine's front address, as the lab's mon.cf says.
  const hooks: Hook[] = [];
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        hooks.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(202, { 'content-type': 'application/json' }).end(`{"id":"${hooks.length}"}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(hook.port, hook.address, resolve));
  });
  afterAll(async () => {
    await healHost('web-2', { stateDir: lab.stateDir });
    await new Promise((resolve) => server.close(resolve));
  });

  it("alerts when web-2's HTTP stops and sends an upalert when it is back, to its log and through slack.alert", async () => {
    // Earlier tests share this lab and mon: start from mon seeing web-2 serving, or no
    // failure would be a transition for mon to alert on.
    await healHost('web-2', { stateDir: lab.stateDir });
    await eventually(
      'mon to see web-2 ping and http ok',
      async () => {
        const seen = await web2InMon();
        return /web-2\/ping: ok/.test(seen) && /web-2\/http: ok/.test(seen) ? seen : undefined;
      },
      90_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; mon says: ${await web2InMon()}`);
    });
    const before = loggedAlerts().length;
    await breakHost('web-2', { stateDir: lab.stateDir });
    const down = await eventually(
      'mon to alert that web-2 http is down',
      async () =>
        loggedAlerts()
          .slice(before)
          .find((l) => / down group=web-2 service=http /.test(l)),
      // mon's interval plus its monitor's own timeouts, on a director sharing 2 busy cores.
      120_000,
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; mon says: ${await web2InMon()}; its alert log ends: ${loggedAlerts().slice(-4).join(' | ')}`,
      );
    });
    expect(down).toContain(`virtual=${lab.vip}:80`);
    expect(down).toContain(`real=${lab.hosts.find((h) => h.name === 'web-2')!.address}:80`);
    expect(down).toContain('alerttype=failure');
    // slack.alert also delivers what it spooled while nobody listened here (an earlier test's
    // alerts, oldest first): mon's failure is the one this test looks for.
    const isWeb2Http = (h: Hook) => h.body.mon?.group === 'web-2' && h.body.mon.service === 'http';
    const posted = await eventually(
      'slack.alert to post the alert',
      async () => hooks.find((h) => isWeb2Http(h) && h.body.mon?.type === 'failure'),
      15_000,
    );
    expect(posted.path).toBe('/hooks/mon');
    expect(posted.authorization).toBe(`Bearer ${hook.token}`);
    expect(posted.body).toMatchObject({ kind: 'mon-alert', cluster: 'lab', mon: { type: 'failure' } });
    expect(posted.body.lvs?.forwarding).toBe('dr');

    await healHost('web-2', { stateDir: lab.stateDir });
    const up = await eventually(
      'mon to send the upalert for web-2 http',
      async () =>
        loggedAlerts()
          .slice(before)
          .find((l) => / up group=web-2 service=http /.test(l)),
      45_000,
    );
    expect(up).toContain('alerttype=up');
    await eventually(
      'slack.alert to post the upalert',
      async () =>
        hooks.slice(hooks.indexOf(posted) + 1).find((h) => isWeb2Http(h) && h.body.mon?.type === 'up'),
      15_000,
    );
  });
});
