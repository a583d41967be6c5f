import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { heartbeatEventSchema } from '../../src/ingest/schemas/heartbeat-event.js';
import { keepalivedNotifySchema } from '../../src/ingest/schemas/keepalived-notify.js';
import { monAlertSchema } from '../../src/ingest/schemas/mon-alert.js';

/**
 * The bodies the host-side scripts post, as the ingest will validate them. The mon-* and
 * keepalived-real-* fixtures were captured from the scripts run by real mon and real keepalived
 * (test/integration, UPDATE_FIXTURES=1); the heartbeat one is hand-written until the ha-log
 * follower exists.
 */

const FIXTURES = resolve(import.meta.dirname, '../fixtures/mon-alert');
const load = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

const schemaFor: [RegExp, z.ZodType][] = [
  [/^(mon|slack-alert)-/, monAlertSchema],
  [/^keepalived-/, keepalivedNotifySchema],
  [/^heartbeat-/, heartbeatEventSchema],
];
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

function issuePaths(schema: z.ZodType, body: unknown): string[] {
  const r = schema.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
}

describe('ingest schemas', () => {
  it('has a captured body for each script', () => {
    expect(fixtures).toEqual(
      expect.arrayContaining([
        'mon-real-failure.json',
        'mon-real-upalert.json',
        'keepalived-real-instance-master.json',
      ]),
    );
  });

  it.each(fixtures)('accepts %s, as the script really produced it', (name) => {
    const schema = schemaFor.find(([re]) => re.test(name))?.[1];
    expect(schema, `no schema for ${name}`).toBeDefined();
    expect(issuePaths(schema!, load(name))).toEqual([]);
  });

  it("reads real mon's upalert as type up with lvs.alert's real server", () => {
    const alert = monAlertSchema.parse(load('mon-real-upalert.json'));
    expect(alert.mon.type).toBe('up');
    expect(alert.lvs?.virtual).toEqual({ address: '10.0.0.100', port: 80 });
    expect(alert.env.MON_ALERTTYPE).toBe('up');
  });

  it('ignores fields a newer script adds, so old bots keep accepting them', () => {
    const parsed = monAlertSchema.parse({ ...load('mon-real-failure.json'), addedLater: 1 });
    expect(parsed).not.toHaveProperty('addedLater');
  });

  it.each([
    ['kind', { kind: 'mon' }],
    ['version', { version: 2 }],
    ['id', { id: 'x' }],
    ['time', { time: 'yesterday' }],
    ['cluster', { cluster: 'no/slash' }],
    ['mon.type', { mon: { ...(load('mon-real-failure.json').mon as object), type: 'down' } }],
    ['env.PATH', { env: { PATH: '/bin' } }],
    ['lvs.forwarding', { lvs: { forwarding: 'gre' } }],
    ['lvs.real.port', { lvs: { real: { address: '10.0.0.22', port: 0 } } }],
    ['stdin', { stdin: undefined }],
  ])('refuses a mon alert with a bad %s, naming it', (path, patch) => {
    expect(issuePaths(monAlertSchema, { ...load('mon-real-failure.json'), ...patch })).toContain(path);
  });

  it.each([
    ['event.state', { type: 'vrrp', scope: 'instance', name: 'VI_1', state: 'up', priority: 100 }],
    ['event.priority', { type: 'vrrp', scope: 'group', name: 'VG_1', state: 'master', priority: 256 }],
    ['event.type', { type: 'bgp', name: 'x', state: 'up' }],
    ['event.state', { type: 'real-server', name: 'web-1', state: 'master' }],
  ])('refuses a keepalived notification with a bad %s', (path, event) => {
    expect(
      issuePaths(keepalivedNotifySchema, { ...load('keepalived-real-instance-master.json'), event }),
    ).toContain(path);
  });

  it.each([
    ['source.offset', { source: { file: '/var/log/ha-log', offset: -1 } }],
    [
      'event.kind',
      { event: { ...(load('heartbeat-event-example.json').event as object), kind: 'exploded' } },
    ],
    ['event.node', { event: { ...(load('heartbeat-event-example.json').event as object), node: '' } }],
  ])('refuses a heartbeat event with a bad %s', (path, patch) => {
    expect(issuePaths(heartbeatEventSchema, { ...load('heartbeat-event-example.json'), ...patch })).toContain(
      path,
    );
  });
});
