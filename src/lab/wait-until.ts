import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from './lab-error.js';

/**
 * Polls `check` until it returns a value other than undefined, or throws LAB_TIMEOUT with
 * `what` in the message. Polling is from this machine: it costs a lab director nothing.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number; hint?: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new LabError(
        'LAB_TIMEOUT',
        `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}${options.hint ? `; ${options.hint}` : ''}`,
        true,
      );
    }
    await sleep(options.intervalMs ?? 100);
  }
}
