import { createHash, timingSafeEqual } from 'node:crypto';
import type { IngestSender, IngestToken } from '../config/ingest-tokens.js';

/**
 * The tokens the ingest accepts, and who each proves. Finding the sender of a request takes
 * the same time whatever the header holds: the presented token is hashed, then compared with
 * every token's digest, without stopping at a match, so neither a prefix, nor the length, nor
 * which token matched leaks through timing.
 */
export class IngestKeyring {
  private readonly entries: { sender: IngestSender; digest: Buffer }[];

  constructor(tokens: readonly IngestToken[]) {
    this.entries = tokens.map((t) => ({ sender: t.sender, digest: sha256(t.secret) }));
  }

  /** The sender whose token an `Authorization: Bearer TOKEN` header carries, or undefined. */
  senderOf(header: string | undefined): IngestSender | undefined {
    const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const given = sha256(match?.[1] ?? '');
    let found: IngestSender | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(given, entry.digest) && match) found = entry.sender;
    }
    return found;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
