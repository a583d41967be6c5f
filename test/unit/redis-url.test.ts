import { describe, expect, it } from 'vitest';
import { EnvError, readEnv } from '../../src/config/env.js';
import { parseRedisUrl } from '../../src/config/redis-url.js';

function parsed(url: string) {
  const r = parseRedisUrl(url);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function problem(url: string): string {
  const r = parseRedisUrl(url);
  if (r.ok) throw new Error(`${url} was accepted`);
  return r.error;
}

describe('REDIS_URL', () => {
  it('keeps the one-server forms as they were, handed to ioredis unchanged', () => {
    for (const url of [
      'redis://127.0.0.1:6379',
      'redis://127.0.0.1:6379/9',
      'redis://redis:6379',
      'redis://:s3cret@10.0.0.5:6380/2',
      'redis://ops:s3cret@redis.example.net',
      'rediss://redis.example.net:6380/0',
      'redis://[::1]:6379',
    ]) {
      expect(parsed(url)).toEqual({ kind: 'standalone', url });
    }
  });

  it('reads a Sentinel set: every Sentinel, the primary name, the database and both passwords', () => {
    expect(
      parsed(
        'redis-sentinel://:data%40pw@s1.example.net:26379,s2.example.net,[::1]:26380/mymaster?db=3&sentinelPassword=sp',
      ),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1.example.net', port: 26379 },
        { host: 's2.example.net', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      db: 3,
      password: 'data@pw',
      sentinelPassword: 'sp',
      tls: false,
    });
    expect(parsed('rediss-sentinel://ops:pw@h1/main')).toMatchObject({
      kind: 'sentinel',
      name: 'main',
      db: 0,
      username: 'ops',
      password: 'pw',
      tls: true,
    });
  });

  it('reads a Redis Cluster: its seed nodes', () => {
    expect(parsed('redis-cluster://127.0.0.1:7000,127.0.0.1:7001,node3')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
        { host: 'node3', port: 6379 },
      ],
      tls: false,
    });
  });

  it('says what is wrong with a malformed URL and which forms there are', () => {
    const cases: [string, RegExp][] = [
      ['127.0.0.1:6379', /not a Redis URL/],
      ['http://127.0.0.1:6379', /unknown scheme 'http:\/\/'/],
      ['redis://127.0.0.1:6379/99', /database '99' is not a number from 0 to 15/],
      ['redis://a:6379,b:6379', /redis:\/\/ names one server.*redis-sentinel:\/\//],
      ['redis-sentinel://h1:26379,h2:26379', /needs the primary's name.*\/mymaster/],
      ['redis-sentinel://h1:26379/mymaster?db=x', /db=x is not a number/],
      ['redis-sentinel://h1:26379/mymaster?database=1', /unknown parameter 'database'; known: db/],
      ['redis-sentinel:///mymaster', /no host/],
      ['redis-sentinel://h1:99999/mymaster', /port of 'h1:99999' is not from 1 to 65535/],
      ['redis-cluster://h1:7000,h 2:7001', /'h 2:7001' is not host\[:port\]/],
      ['redis-cluster://h1:7000/3', /only database 0/],
    ];
    for (const [url, why] of cases) {
      const error = problem(url);
      expect(error, url).toMatch(why);
      expect(error, url).toContain('REDIS_URL takes one of: redis://');
    }
  });

  it('never repeats a password in its error', () => {
    expect(problem('redis-sentinel://:hunter2@h1:26379')).not.toContain('hunter2');
    expect(problem('redis-cluster://:hunter2@h1:7000/5')).not.toContain('hunter2');
    expect(problem('redis-sentinel://:hunter2@h1:26379/m?x=1')).not.toContain('hunter2');
    expect(problem('mongodb://:hunter2@h1')).not.toContain('hunter2');
  });

  it('is checked by readEnv, which names the variable', () => {
    expect(readEnv({ REDIS_URL: 'redis-sentinel://h1,h2,h3/mymaster' }).REDIS_URL).toBe(
      'redis-sentinel://h1,h2,h3/mymaster',
    );
    try {
      readEnv({ REDIS_URL: 'redis-sentinel://h1,h2' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      expect((error as EnvError).problems.join('\n')).toMatch(/^REDIS_URL: .*primary's name/m);
    }
  });
});
