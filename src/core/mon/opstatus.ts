/** mon's operational status of a service (MON_OPSTATUS, `opstatus=` in `list opstatus`). */
export const OPSTATUS_NAMES = [
  'fail',
  'ok',
  'coldstart',
  'warmstart',
  'linkdown',
  'unknown',
  'timeout',
  'untested',
  'depend',
  'warn',
] as const;
export type OpStatusName = (typeof OPSTATUS_NAMES)[number];

export interface OpStatus {
  code: number;
  name: OpStatusName;
}

/** `0` → fail, `1` → ok, …; null for anything mon does not define. */
export function opStatusFromCode(text: string): OpStatus | null {
  if (!/^\d$/.test(text)) return null;
  const code = Number(text);
  const name = OPSTATUS_NAMES[code];
  return name ? { code, name } : null;
}
