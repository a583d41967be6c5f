import type { LvsEvent } from '../core/events/event.js';
import type { FloodGate } from '../store/event-store.js';

export interface FloodThrottleOptions {
  /** Events a host may send at once before its repeats are throttled. */
  burst: number;
  /** Events per second a host's bucket refills with. */
  perSecond: number;
  /** How long a report counts as made recently (a repeat). */
  recentMs: number;
  /** The most reports remembered per host. */
  maxRecent: number;
}

/**
 * A runaway sender (a monitor in a loop) is held to 200 events a second after a burst of
 * 1,000; mon on a director of 500 real servers sends one alert per server and interval, far
 * below that, and a new report always passes.
 */
export const defaultFloodThrottleOptions: FloodThrottleOptions = {
  burst: 1000,
  perSecond: 200,
  recentMs: 10 * 60_000,
  maxRecent: 20_000,
};

/** What makes two events "the same report": a repeat of it is what a flood throttles. */
export function throttleKey(event: LvsEvent): string {
  return [
    event.kind,
    event.cluster,
    event.group ?? '',
    event.service ?? '',
    event.host ?? '',
    event.target?.realServer ?? '',
    event.node ?? '',
    event.phase ?? '',
    event.status,
  ].join('|');
}

/**
 * Per-source flood throttling, shared by every bot process: a token bucket per sender in
 * Redis that refuses repeats of a report (429 with Retry-After) once the sender has used its
 * burst, and never a new report. The sender is the ingest token and the inventory host it
 * speaks as (src/ingest/check-sender.ts), never a hostname the body merely claims. The decision is taken by the event store's admit script,
 * in the same step as storing the event.
 */
export class FloodThrottle {
  constructor(readonly opts: FloodThrottleOptions = defaultFloodThrottleOptions) {}

  /** `source`: the sender's bucket, as checkEvent names it. */
  gate(source: string, event: LvsEvent): FloodGate {
    return { source, report: throttleKey(event), ...this.opts };
  }
}
