import type { MonConfig } from './config-model.js';

/** A `GROUP:SERVICE` name inside a depend expression, as mon's dependency check finds them. */
const SERVICE_NAME = /([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)/g;

/**
 * The services (`GROUP:SERVICE`) a mon `depend` expression names, in order, each once.
 * mon reads `SELF:` as the watch's own group; the expression's operators (`&&`, `||`, `!`,
 * parentheses) do not matter here: an alert folds under any of them that is down.
 */
export function dependNames(expression: string, group: string): string[] {
  const names = new Set<string>();
  for (const m of expression.matchAll(SERVICE_NAME)) {
    names.add(`${m[1] === 'SELF' ? group : m[1]}:${m[2]}`);
  }
  return [...names];
}

/** For each service of a mon.cf with a `depend` line (`GROUP:SERVICE`), the services it depends on. */
export function monDependencies(config: MonConfig): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const watch of config.watches) {
    for (const service of watch.services) {
      if (service.depend === null) continue;
      const names = dependNames(service.depend, watch.group);
      if (names.length > 0) out.set(`${watch.group}:${service.name}`, names);
    }
  }
  return out;
}
