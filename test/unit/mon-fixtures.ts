import { readdirSync, readFileSync } from 'node:fs';
import type { MonAlertInput } from '../../src/core/mon/index.js';

const DIR = new URL('../fixtures/mon/', import.meta.url);

/** A file captured from a real mon by scripts/capture-fixtures.sh mon. */
export function monFixture(path: string): string {
  return readFileSync(new URL(path, DIR), 'utf8');
}

/** Every recorded alert call whose file starts with `prefix` (TYPE-GROUP-SERVICE), in call order. */
export function alertCalls(prefix: string): MonAlertInput[] {
  return readdirSync(new URL('alerts/', DIR))
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.json'))
    .sort((a, b) => Number(a.replace(/\D+/g, '')) - Number(b.replace(/\D+/g, '')))
    .map((f) => JSON.parse(monFixture(`alerts/${f}`)) as MonAlertInput);
}

export function alertCall(prefix: string): MonAlertInput {
  const first = alertCalls(prefix)[0];
  if (!first) throw new Error(`no recorded alert ${prefix}`);
  return first;
}

export function allAlertCalls(): MonAlertInput[] {
  return readdirSync(new URL('alerts/', DIR))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(monFixture(`alerts/${f}`)) as MonAlertInput);
}

/** moncmd's output for one captured command. */
export function moncmd(name: string): string {
  return monFixture(`moncmd/${name}.txt`);
}

/** What the real mon did with one config case: `NAME.cf` and `NAME.<what>.txt`. */
export function configCase(name: string, what = 'cf'): string {
  const file = what === 'cf' || what === 'exit' ? `${name}.${what}` : `${name}.${what}.txt`;
  return monFixture(`config-cases/${file}`);
}

export function configCaseNames(): string[] {
  return readdirSync(new URL('config-cases/', DIR))
    .filter((f) => f.endsWith('.cf'))
    .map((f) => f.slice(0, -3))
    .sort();
}
