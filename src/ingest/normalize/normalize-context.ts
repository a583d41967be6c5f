import type { Inventory } from '../../config/inventory.js';

/** mon's `depend` lines: the services (GROUP:SERVICE) a service depends on. */
export type MonDepends = (cluster: string, group: string, service: string) => readonly string[];

/** What turning a body into an event needs besides the body. */
export interface NormalizeContext {
  inventory: Inventory;
  /** When the ingest accepted the body (epoch ms). */
  receivedAt: number;
  monDepends?: MonDepends;
}

/** An ISO time from a sender as epoch ms; a time the sender got wrong falls back to arrival. */
export function epochMs(iso: string, receivedAt: number): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) && t >= 0 ? t : receivedAt;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
