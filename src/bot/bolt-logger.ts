import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../log/logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Bolt's Logger interface over our pino logger, so Bolt's own lines (and its Web API client's)
 * are redacted like ours. What Bolt logs besides text (an error, the request's body, a
 * response) goes into the line as fields (`err`, `detail`), where the redaction paths reach
 * it, instead of being turned into text first; the logger scrubs tokens and URL passwords
 * from the text too (src/log/logger.ts).
 */
export function boltLogger(log: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const child = log.child({ component: 'bolt' });
  const emit =
    (to: Level) =>
    (...msg: unknown[]): void => {
      const text: string[] = [];
      const details: unknown[] = [];
      let err: Error | undefined;
      for (const m of msg) {
        if (typeof m === 'string') text.push(m);
        else if (m instanceof Error && !err) err = m;
        else details.push(m);
      }
      const fields = {
        ...(err && { err }),
        ...(details.length > 0 && { detail: details.length === 1 ? details[0] : details }),
      };
      child[to](fields, text.join(' ') || err?.message || '');
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
