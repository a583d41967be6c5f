/**
 * Automatic remediation (the policy's `auto`, lvs.alert's job in the HOWTO) is capped per real
 * server per hour: a flapping server would otherwise be removed and restored all day, each
 * time changing the table under live traffic. Past the cap the alert still reaches people;
 * only the automatic action is held back.
 */

export const AUTO_CAP_WINDOW_MS = 3_600_000;

export type AutoCapDecision =
  | { allowed: true; countInWindow: number }
  | { allowed: false; countInWindow: number; nextAllowedAt: number; message: string };

/**
 * `recent` are the times (epoch ms) of earlier automatic actions on this real server; only
 * those within the last hour count.
 */
export function checkAutoCap(input: {
  recent: readonly number[];
  now: number;
  maxPerHour: number;
  realServer: string;
}): AutoCapDecision {
  const inWindow = input.recent
    .filter((t) => t > input.now - AUTO_CAP_WINDOW_MS && t <= input.now)
    .sort((a, b) => a - b);
  if (inWindow.length < input.maxPerHour) return { allowed: true, countInWindow: inWindow.length };
  // The oldest action that must leave the window before another one fits.
  const blocking = inWindow[inWindow.length - input.maxPerHour] ?? input.now;
  const nextAllowedAt = blocking + AUTO_CAP_WINDOW_MS;
  const minutes = Math.max(1, Math.ceil((nextAllowedAt - input.now) / 60_000));
  return {
    allowed: false,
    countInWindow: inWindow.length,
    nextAllowedAt,
    message:
      `${input.realServer} was changed automatically ${inWindow.length} times in the last hour ` +
      `(policy.auto maxPerServerPerHour ${input.maxPerHour}); no automatic action for about ${minutes} min. ` +
      'A person can still act: /lvs remove, /lvs restore.',
  };
}
