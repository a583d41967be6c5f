import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonClient } from '../../src/mon/mon-client.js';
import { MonClientError } from '../../src/mon/mon-client-error.js';
import { freePort, TestMon } from '../support/mon.js';

// The mon client against Debian's real mon: a watch whose tcp.monitor checks a closed port
// (failing) and one that checks mon's own client port (passing).

let mon: TestMon;
let client: MonClient;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  const closed = await freePort();
  const monPort = await freePort();
  // mon's own port is only known once we pick it; TestMon picks another, so watch a port we
  // keep open ourselves for the passing service.
  const cf = [
    'randstart = 0s',
    '',
    'hostgroup web-2 127.0.0.1',
    '',
    'hostgroup web-3 127.0.0.1',
    '',
    'watch web-2',
    '    service http',
    '        interval 1s',
    `        monitor tcp.monitor -p ${closed}`,
    '        period wd {Sun-Sat}',
    '            alert mail.alert nobody@localhost',
    '            alertevery 1h',
    '',
    'watch web-3',
    '    service http',
    '        interval 1s',
    `        monitor tcp.monitor -p ${monPort}`,
    '        period wd {Sun-Sat}',
    '            alert mail.alert nobody@localhost',
    '',
  ].join('\n');
  mon = await TestMon.start(cf);
  client = await MonClient.connect({ host: '127.0.0.1', port: mon.port });
});

afterAll(async () => {
  client?.close();
  await mon?.stop();
});

describe('mon client (real mon, TCP client protocol)', () => {
  it('lists the watches mon loaded', async () => {
    expect(await client.watches()).toEqual(
      expect.arrayContaining([
        { group: 'web-2', service: 'http' },
        { group: 'web-3', service: 'http' },
      ]),
    );
  });

  it('acknowledges a failing service, and mon shows the ack with its comment', async () => {
    await waitFor('web-2 to fail', async () => {
      const s = (await client.opstatus()).find((x) => x.group === 'web-2');
      return s?.opstatus?.name === 'fail' ? s : undefined;
    });
    const reply = await client.ack('web-2', 'http', 'U0APPROVER via Slack: on it\nquit');
    expect(reply.status).toMatchObject({ code: 220, ok: true });
    const s = (await client.opstatus()).find((x) => x.group === 'web-2')!;
    expect(s.acked).toBe(true);
    expect(s.ackComment).toContain('on it quit');
  });

  it('disables and re-enables a service, as list disabled shows', async () => {
    expect((await client.disableService('web-3', 'http')).status.code).toBe(220);
    expect((await client.disabled()).services).toContainEqual({ group: 'web-3', service: 'http' });
    expect((await client.enableService('web-3', 'http')).status.code).toBe(220);
    expect((await client.disabled()).services).not.toContainEqual({ group: 'web-3', service: 'http' });
  });

  it("returns mon's 520 for a group mon does not know, as a reply", async () => {
    const reply = await client.disableService('nosuch', 'http');
    expect(reply.status.ok).toBe(false);
    expect(reply.status.code).toBe(520);
  });

  it('refuses a name that could smuggle another command, before sending anything', async () => {
    await expect(client.disableService('web-2\nstop', 'http')).rejects.toBeInstanceOf(MonClientError);
    await expect(client.ack('web-2;x', 'http', 'c')).rejects.toMatchObject({ code: 'MON_BAD_ARGUMENT' });
    await expect(client.raw('list watch\nstop')).rejects.toMatchObject({ code: 'MON_BAD_ARGUMENT' });
    // mon is still running the scheduler: nothing was stopped.
    expect((await client.raw('list state')).body.join(' ')).toContain('scheduler running');
  });

  it('says clearly when mon cannot be reached', async () => {
    const port = await freePort();
    await expect(MonClient.connect({ host: '127.0.0.1', port, timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'MON_CONNECTION',
      retryable: true,
    });
  });
});
