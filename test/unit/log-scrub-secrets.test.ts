import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boltLogger } from '../../src/bot/bolt-logger.js';
import { createLogger, scrubSecrets } from '../../src/log/logger.js';

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
