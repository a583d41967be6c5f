/**
 * ipvsadm prints counters of 10^8 and more as `315051K`, `1170M`, `12G`, `3T` (the value
 * divided by 1000^n, rounded down) unless `--exact` is given.
 */
const SCALE: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const SCALED = /^(\d{1,20})([KMGT]?)$/;

export interface ScaledNumber {
  value: number;
  /** True when a suffix was printed: the value is a lower bound. */
  approximate: boolean;
}

export function parseScaledNumber(text: string): ScaledNumber | null {
  const m = SCALED.exec(text);
  if (!m) return null;
  const suffix = m[2]!;
  return { value: Number(m[1]) * SCALE[suffix]!, approximate: suffix !== '' };
}

/** Non-negative decimal integer as ipvsadm prints counts (no sign, no suffix). */
export function parseCount(text: string): number | null {
  return /^\d{1,20}$/.test(text) ? Number(text) : null;
}
