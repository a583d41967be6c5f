import { randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function pick(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/**
 * Identifiers in Slack's shapes. Message timestamps are unique and increasing within one local
 * Slack, as Slack guarantees per channel, so tests can sort and compare them.
 */
export class IdFactory {
  private lastMicros = 0;

  /** A message ts, `seconds.micros` with six digits after the dot. */
  ts(nowMs: number = Date.now()): string {
    let micros = nowMs * 1000;
    if (micros <= this.lastMicros) micros = this.lastMicros + 1;
    this.lastMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** Like `3701415066658.3485157640.72f11de3d52bb9593d6931af772a323e`. */
  triggerId(): string {
    const first = `${Date.now()}${pick('0123456789', 3)}`;
    return `${first}.${pick('0123456789', 10)}.${randomBytes(16).toString('hex')}`;
  }

  envelopeId(): string {
    return randomUUID();
  }

  /** A direct-message conversation's id (`D` and ten characters, as Slack's are). */
  imId(): string {
    return `D${pick(ALNUM, 10)}`;
  }

  viewId(): string {
    return `V${pick(ALNUM, 10)}`;
  }

  eventId(): string {
    return `Ev${pick(ALNUM, 10)}`;
  }

  /** A block_id Slack fills in when the app gave none (like `2WGp9`). */
  blockId(): string {
    return pick(MIXED, 5);
  }

  /** A view hash, `seconds.random`. */
  viewHash(nowMs: number = Date.now()): string {
    return `${Math.floor(nowMs / 1000)}.${pick(MIXED, 8)}`;
  }

  /** The secret part of a response_url. */
  secret(): string {
    return randomBytes(12).toString('hex');
  }

  ticket(): string {
    return randomUUID();
  }

  numeric(digits: number): string {
    return pick('123456789', 1) + pick('0123456789', digits - 1);
  }
}
