import type { IngestSender } from '../config/ingest-tokens.js';
import { IngestError } from './ingest-error.js';

/** Why a known sender may not say what it said: /metrics counts refusals by this. */
export type SenderRefusalReason = 'other-cluster' | 'other-host' | 'not-a-director';

/** A body whose token is right but does not speak for what the body claims (403). */
export class SenderRefused extends IngestError {
  constructor(
    readonly sender: IngestSender,
    readonly reason: SenderRefusalReason,
    message: string,
    reasons: readonly string[],
  ) {
    super('forbidden', message, reasons);
    this.name = 'SenderRefused';
  }
}
