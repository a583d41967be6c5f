import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boltLogger } from '../../src/bot/bolt-logger.js';
import { redact } from '../../src/config/redis-url.js';
import { createLogger, scrubSecrets } from '../../src/log/logger.js';
import { maskUrlCredentials } from '../../src/log/mask-url-credentials.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('log lines never carry a Slack token or a URL password', () => {
  it('masks the password of every REDIS_URL form, and leaves the host and database', () => {
    const cases: [string, string][] = [
      ['redis://:s3cret@redis.internal:6379/2', 'redis://:***@redis.internal:6379/2'],
      ['redis://lvs:s3cret@redis.internal', 'redis://lvs:***@redis.internal'],
      ['redis://s3cret@redis.internal', 'redis://***@redis.internal'],
      ['rediss://:s3cret@10.0.0.5:6380', 'rediss://:***@10.0.0.5:6380'],
      [
        'redis-sentinel://:s3cret@s1:26379,s2:26379/mymaster',
        'redis-sentinel://:***@s1:26379,s2:26379/mymaster',
      ],
      ['redis-cluster://app:s3cret@n1,n2', 'redis-cluster://app:***@n1,n2'],
    ];
    for (const [raw, shown] of cases) {
      expect(scrubSecrets(`cannot reach Redis at ${raw}`)).toBe(`cannot reach Redis at ${shown}`);
    }
  });

  it('leaves URLs without a password as they are', () => {
    for (const text of [
      'redis://127.0.0.1:6379/12',
      'listening on http://127.0.0.1:3000/slack/events',
      'POST https://slack.com/api/chat.postMessage',
    ]) {
      expect(scrubSecrets(text)).toBe(text);
    }
  });

  it('masks Slack tokens of every kind wherever they are in the text', () => {
    const line = scrubSecrets(
      '{"msg":"http request headers: Bearer xoxb-1234-5678-abcdEFGH","app":"xapp-1-A0LVS-0000-deadbeef","user":"xoxp-99-88-77"}',
    );
    expect(line).not.toMatch(/xox[a-z]-\d|xapp-1/);
    expect(line.match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('masks them in what the logger writes: the message, fields and error stacks', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'debug', destination: stream });
    const url = 'redis://:hunter2-password@db.internal:6379/0';
    log.warn({ err: new Error(`cannot reach Redis at ${url}`), redis: url }, `Redis ${url} is away`);
    log.info({ detail: { nested: { deeper: 'xoxb-0000-1111-secretbot' } } }, 'deep');
    const out = lines.join('');
    expect(out).not.toContain('hunter2-password');
    expect(out).not.toContain('secretbot');
    expect(out).toContain('redis://:***@db.internal:6379/0');
  });

  it("redacts Bolt's own lines: text, errors and objects it logs, by name and by shape", () => {
    const { lines, stream } = capture();
    const bolt = boltLogger(createLogger({ level: 'debug', destination: stream }));
    bolt.debug('http request body:', { token: 'xoxb-0000-2222-bolttoken', channel: 'C0LVSOPS' });
    bolt.error('Slack API error: invalid_auth', Object.assign(new Error('invalid_auth'), { token: 'plain' }));
    bolt.warn({ signingSecret: 'bolt-signing-secret', nested: { authorization: 'Bearer abc' } });
    const out = lines.join('');
    expect(out).not.toContain('bolttoken');
    expect(out).not.toContain('bolt-signing-secret');
    expect(out).not.toContain('Bearer abc');
    // Still a useful line: what Bolt said, which component, the channel.
    expect(out).toContain('"component":"bolt"');
    expect(out).toContain('Slack API error: invalid_auth');
    expect(out).toContain('C0LVSOPS');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe('URL credentials are read as a URL parser reads them, not guessed by a pattern', () => {
  it('masks a password holding @, ", \\, :, % or quotes whole, as WHATWG URL (and ioredis) reads it', () => {
    const cases: [string, string][] = [
      ['redis://:p@ss@h', 'redis://:***@h'],
      ['redis://:a"b@h', 'redis://:***@h'],
      ["redis://:it's@h:6379/1", 'redis://:***@h:6379/1'],
      ['redis://:a\\b@h', 'redis://:***@h'],
      ['redis://u:pa:ss@h', 'redis://u:***@h'],
      ['redis://:p%40ss%22@h', 'redis://:***@h'],
      ['rediss://:s3c@r@t@10.0.0.5:6380', 'rediss://:***@10.0.0.5:6380'],
      ['redis://lvs:s3cret@[::1]:6379/2', 'redis://lvs:***@[::1]:6379/2'],
      ['https://u:p@h/path?x=1', 'https://u:***@h/path?x=1'],
    ];
    for (const [raw, shown] of cases) {
      expect(maskUrlCredentials(raw), raw).toBe(shown);
      // What describeRedis shows is the same.
      expect(redact(raw), raw).toBe(shown);
      // The masked URL still names the same host, for whoever reads the line.
      expect(new URL(shown).host).toBe(new URL(raw).host);
    }
  });

  it('masks a Sentinel list, its sentinelPassword and every URL of a list of URLs', () => {
    expect(
      maskUrlCredentials('redis-sentinel://:p@ss@s1:26379,s2:26379/mymaster?db=2&sentinelPassword=s3nt'),
    ).toBe('redis-sentinel://:***@s1:26379,s2:26379/mymaster?db=2&sentinelPassword=***');
    expect(maskUrlCredentials('nodes redis://:a@n1,redis://u:b@n2,rediss://c@n3 up')).toBe(
      'nodes redis://:***@n1,redis://u:***@n2,rediss://***@n3 up',
    );
    expect(maskUrlCredentials('https://hooks.example/x?access_token=abc&channel=C1#top')).toBe(
      'https://hooks.example/x?access_token=***&channel=C1#top',
    );
  });

  it('finds URLs inside longer messages, and leaves the words around them', () => {
    expect(
      maskUrlCredentials(
        'Error: connect ECONNREFUSED (redis://:p@ss@db:6379/0), retrying; next: rediss://u:x"y@db2.',
      ),
    ).toBe('Error: connect ECONNREFUSED (redis://:***@db:6379/0), retrying; next: rediss://u:***@db2.');
    expect(maskUrlCredentials('mail ops@example.com about http://example.com/a@b')).toBe(
      'mail ops@example.com about http://example.com/a@b',
    );
  });

  it('masks every password WHATWG URL reads from a Redis URL, whatever its characters', () => {
    // Any printable ASCII but what ends an authority (/ ? # and whitespace), which a password
    // must percent-encode to be read as one.
    const char = fc.constantFrom(...'abcXYZ019:@"\\\'%!$&()*+,;=[]{}|^`~<>-._'.split(''));
    const password = fc.array(char, { minLength: 1, maxLength: 24 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(password, fc.constantFrom('redis', 'rediss'), fc.boolean(), (pw, scheme, withUser) => {
        const raw = `${scheme}://${withUser ? 'lvs' : ''}:${pw}@db.internal:6379/3`;
        let parsed: URL;
        try {
          parsed = new URL(raw);
        } catch {
          return; // Not a URL anything would connect with.
        }
        const shown = `${scheme}://${withUser ? 'lvs' : ''}:***@db.internal:6379/3`;
        expect(maskUrlCredentials(raw)).toBe(shown);
        expect(maskUrlCredentials(`cannot reach ${raw}, retrying`)).toBe(`cannot reach ${shown}, retrying`);
        expect(parsed.host).toBe('db.internal:6379');
      }),
      { numRuns: 500 },
    );
  });

  it('keeps such a password out of what the logger writes, and the line JSON', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'debug', destination: stream });
    for (const url of ['redis://:a"b@h:6379', 'redis://:p@ss@h', 'rediss://u:q\\"@\\r@h/1']) {
      log.error(
        { err: new Error(`cannot reach ${url}`), redisUrl: url, nested: [{ url }] },
        `Redis ${url} is away`,
      );
    }
    for (const line of lines) {
      const doc = JSON.parse(line) as { msg: string; redisUrl: string };
      expect(doc.msg).toMatch(/^Redis rediss?:\/\/u?:\*\*\*@h(:6379|\/1)? is away$/);
      expect(doc.redisUrl).toMatch(/:\*\*\*@h/);
    }
    const out = lines.join('');
    for (const secret of ['a\\"b', 'a"b', 'p@ss', 'ss@h', 'q\\']) expect(out).not.toContain(secret);
  });
});
