import { describe, expect, it } from 'vitest';
import { EnvError, readEnv } from '../../src/config/env.js';

describe('readEnv', () => {
  it('applies the documented defaults when nothing is set', () => {
    const env = readEnv({});
    expect(env.LVS_INVENTORY).toBe('./inventory.yml');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.SLACK_API_URL).toBe('https://slack.com/api/');
    expect(env.PORT).toBe(3000);
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.SLACK_APP_TOKEN).toBeUndefined();
  });

  it('treats empty strings as unset', () => {
    expect(readEnv({ PORT: '', SLACK_APP_TOKEN: '' }).SLACK_APP_TOKEN).toBeUndefined();
  });

  it('names every bad variable', () => {
    try {
      readEnv({ PORT: '99999', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EnvError);
      const problems = (err as EnvError).problems.join('\n');
      expect(problems).toMatch(/^PORT: /m);
      expect(problems).toMatch(/^LOG_LEVEL: /m);
    }
  });
});
