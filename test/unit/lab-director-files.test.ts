import { describe, expect, it } from 'vitest';
import { labOptionsSchema } from '../../src/lab/lab-options.js';
import { planLab } from '../../src/lab/lab-plan.js';
import {
  renderDirectorFstab,
  renderHaCf,
  renderHaresources,
  renderIpvsRules,
  renderLvsDirectorConf,
} from '../../src/lab/render/director-files.js';
import { renderMonCf } from '../../src/lab/render/mon-cf.js';

const plan = planLab(labOptionsSchema.parse({}));
const [lb1, lb2] = plan.directors;

describe("a lab director's heartbeat files", () => {
  it('ha.cf: both directors as nodes, ucast on both links, auto_failback on, no Pacemaker, timers as planned', () => {
    const cf = renderHaCf(plan, lb1);
    for (const line of [
      'node lb1',
      'node lb2',
      'ucast vec0 10.210.0.1',
      'ucast vec0 10.210.0.2',
      'ucast vec1 10.210.1.1',
      'ucast vec1 10.210.1.2',
      'auto_failback on',
      'crm no',
      'keepalive 250ms',
      'warntime 1500ms',
      'deadtime 3',
      'udpport 694',
    ]) {
      expect(cf.split('\n')).toContain(line);
    }
    // heartbeat reads udpport before the media lines only.
    expect(cf.indexOf('udpport')).toBeLessThan(cf.indexOf('ucast'));
    expect(cf).toContain(`logfile ${lb1.dir}/log/ha-log`);
    expect(renderHaCf(plan, lb2)).toContain(`logfile ${lb2.dir}/log/ha-log`);
  });

  it('ha.cf: auto_failback off when the lab is brought up with it off', () => {
    const off = planLab(labOptionsSchema.parse({ autoFailback: false }));
    const lines = renderHaCf(off, off.directors[0]).split('\n');
    expect(lines).toContain('auto_failback off');
    expect(lines).not.toContain('auto_failback on');
  });

  it('haresources: one group, preferred lb1, one resource for the VIP, the table and mon', () => {
    expect(renderHaresources(plan)).toBe('lb1 lvs-director\n');
    const conf = renderLvsDirectorConf(plan, lb1);
    expect(conf).toContain('VIP=10.210.0.100\n');
    // /proc/net/ip_vs writes 10.210.0.100 as 0AD20064.
    expect(conf).toContain('VIP_HEX=0AD20064\n');
    expect(conf).toContain('IPVS_RULES=/etc/ha.d/ipvsadm.rules\n');
  });

  it('the IPVS rules: the HOWTO service, wlc, three real servers by DR with weight 1 (ipvsadm-save form)', () => {
    expect(renderIpvsRules(plan)).toBe(
      [
        '-A -t 10.210.0.100:80 -s wlc',
        '-a -t 10.210.0.100:80 -r 10.210.0.11:80 -g -w 1',
        '-a -t 10.210.0.100:80 -r 10.210.0.12:80 -g -w 1',
        '-a -t 10.210.0.100:80 -r 10.210.0.13:80 -g -w 1',
        '',
      ].join('\n'),
    );
  });

  it('fstab: private tmpfs for everything a daemon writes, and the lab state, ha.d, mon and the fileset over hostfs', () => {
    const fstab = renderDirectorFstab(plan, lb1, { hacluster: 111, haclient: 113 })
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t').slice(0, 4).join(' '));
    expect(fstab).toContain('tmpfs /run tmpfs mode=0755');
    expect(fstab).toContain('tmpfs /root tmpfs mode=0700');
    expect(fstab).toContain(`hostfs ${plan.stateDir} hostfs ${plan.stateDir},X-mount.mkdir`);
    expect(fstab).toContain(`hostfs /etc/ha.d hostfs ${lb1.dir}/ha.d`);
    expect(fstab).toContain('tmpfs /run/heartbeat tmpfs mode=0750,uid=111,gid=113,X-mount.mkdir');
    expect(fstab.at(-1)).toBe('/srv/images/www.img /srv/www ext2 loop,X-mount.mkdir');
    // /run first: everything under it is mounted after.
    expect(fstab.findIndex((l) => l.startsWith('tmpfs /run '))).toBeLessThan(
      fstab.findIndex((l) => l.includes(' /run/sshd ')),
    );
  });
});

describe("the lab's mon.cf", () => {
  const cf = renderMonCf(plan, lb1);
  const watches = cf.split(/\n(?=watch )/).slice(1);

  it('has one hostgroup per real server and one watch each, as the HOWTO recommends', () => {
    for (const r of plan.realServers) expect(cf).toContain(`hostgroup ${r.name} ${r.address}\n`);
    expect(watches.map((w) => w.split('\n')[0])).toEqual(['watch web-1', 'watch web-2', 'watch web-3']);
  });

  it('has no blank line inside a watch (mon silently drops the services after one)', () => {
    for (const w of watches) expect(w.trimEnd()).not.toMatch(/\n\s*\n/);
  });

  it('watches ping and http, http depending on ping, with alert, upalert and alertevery', () => {
    const web2 = watches[1]!;
    expect(web2).toMatch(/service ping\n[\s\S]*monitor ping\.monitor/);
    expect(web2).toMatch(/service http\n[\s\S]*monitor http\.monitor[\s\S]*depend web-2:ping/);
    const args = '-P tcp -V 10.210.0.100:80 -R 10.210.0.12:80 -W 1 -F dr';
    expect(web2.match(new RegExp(`^ +alert lab\\.alert ${args}$`, 'gm'))).toHaveLength(2);
    expect(web2.match(new RegExp(`^ +upalert lab\\.alert ${args}$`, 'gm'))).toHaveLength(2);
    expect(web2.match(/^ +alertevery 30m$/gm)).toHaveLength(2);
  });

  it('calls the configured alert script with its environment (slack.alert and the bot on this machine)', () => {
    const p = planLab(
      labOptionsSchema.parse({
        monAlert: '/opt/lvs-chatops/contrib/mon/slack.alert',
        monEnv: { LVS_CHATOPS_URL: 'http://10.210.0.254:3000', LVS_CHATOPS_TOKEN: 'secret' },
      }),
    );
    const withSlack = renderMonCf(p, p.directors[0]);
    expect(withSlack.match(/^ +alert slack\.alert -P tcp /gm)).toHaveLength(6);
    expect(withSlack.match(/^ +alert lab\.alert -P tcp /gm)).toHaveLength(6);
    expect(withSlack).toContain(`LVS_CHATOPS_SPOOL=${p.directors[0].dir}/spool/alerts.jsonl`);
    expect(withSlack.match(/^ +LVS_CHATOPS_URL=http:\/\/10\.210\.0\.254:3000$/gm)).toHaveLength(6);
    expect(withSlack).toContain('LVS_CHATOPS_TOKEN=secret');
  });
});
