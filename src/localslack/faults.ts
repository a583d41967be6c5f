/** A fault the Web API answers instead of the method's result. */
export type ApiFault =
  | { kind: 'ratelimited'; retryAfterSeconds: number }
  | { kind: 'server_error'; status: number; body: ServerErrorBody }
  | { kind: 'timeout'; hangMs: number; processed: boolean };

/**
 * What a 5xx carries: Slack's own JSON error, the HTML page its edge serves when the API
 * behind it is down (502/503/504), or nothing at all.
 */
export type ServerErrorBody = 'json' | 'html' | 'empty';

/** How the next delivery to the app is signed wrongly. */
export type SigningFault = 'forged' | 'stale';

interface ApiFaultRule {
  method: string;
  remaining: number;
  until: number;
  fault: ApiFault;
}

interface SocketControl {
  drop(): void;
  disconnect(reason: string): void;
}

/**
 * Fault injection: the failures a real Slack produces now and then, on demand. Each rule
 * applies to the next `count` matching calls, or to every matching call for `duration` ms.
 */
export class Faults {
  private readonly apiRules: ApiFaultRule[] = [];
  private readonly signingFaults: SigningFault[] = [];

  constructor(
    private readonly sockets: SocketControl,
    private readonly now: () => number = Date.now,
  ) {}

  private addRule(method: string, fault: ApiFault, opts: { count?: number; duration?: number }): void {
    const remaining = opts.duration === undefined ? (opts.count ?? 1) : Number.POSITIVE_INFINITY;
    const until = opts.duration === undefined ? Number.POSITIVE_INFINITY : this.now() + opts.duration;
    this.apiRules.push({ method, remaining, until, fault });
  }

  /** HTTP 429 with `Retry-After` for `method` (or every method with '*'). */
  rateLimit(method: string, opts: { count?: number; duration?: number; retryAfter?: number } = {}): void {
    this.addRule(method, { kind: 'ratelimited', retryAfterSeconds: opts.retryAfter ?? 1 }, opts);
  }

  /** HTTP 500 (or `status`) for the next `count` calls, with a JSON (default), HTML or empty body. */
  serverError(count = 1, opts: { method?: string; status?: number; body?: ServerErrorBody } = {}): void {
    this.addRule(
      opts.method ?? '*',
      { kind: 'server_error', status: opts.status ?? 500, body: opts.body ?? 'json' },
      { count },
    );
  }

  /**
   * The next `count` calls get no answer; the connection is reset after `hangMs`. With
   * `processed`, the call is carried out first (the message is posted) and only the answer is
   * lost, as when Slack times out after doing the work: a client that retries posts twice.
   */
  timeout(count = 1, opts: { method?: string; hangMs?: number; processed?: boolean } = {}): void {
    this.addRule(
      opts.method ?? '*',
      { kind: 'timeout', hangMs: opts.hangMs ?? 30_000, processed: opts.processed ?? false },
      { count },
    );
  }

  /** Cuts every Socket Mode connection without a close frame, as a network failure does. */
  dropSocket(): void {
    this.sockets.drop();
  }

  /** Sends Slack's `disconnect` message (e.g. `refresh_requested`) on every connection. */
  socketDisconnect(reason = 'refresh_requested'): void {
    this.sockets.disconnect(reason);
  }

  /** The next `count` deliveries to the app carry a signature made with the wrong secret. */
  forgeSignature(count = 1): void {
    for (let i = 0; i < count; i++) this.signingFaults.push('forged');
  }

  /** The next `count` deliveries are signed correctly but dated six minutes ago. */
  staleTimestamp(count = 1): void {
    for (let i = 0; i < count; i++) this.signingFaults.push('stale');
  }

  clear(): void {
    this.apiRules.length = 0;
    this.signingFaults.length = 0;
  }

  /** Consumes the fault, if any, for a call to `method`. */
  takeApiFault(method: string): ApiFault | undefined {
    const now = this.now();
    for (let i = 0; i < this.apiRules.length; i++) {
      const rule = this.apiRules[i];
      if (!rule) continue;
      if (rule.remaining <= 0 || now > rule.until) {
        this.apiRules.splice(i, 1);
        i--;
        continue;
      }
      if (rule.method !== '*' && rule.method !== method) continue;
      rule.remaining -= 1;
      return rule.fault;
    }
    return undefined;
  }

  takeSigningFault(): SigningFault | undefined {
    return this.signingFaults.shift();
  }
}
