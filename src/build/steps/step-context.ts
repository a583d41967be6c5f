import type { Cluster, Director } from '../../config/inventory.js';
import { type GeneratedFile, type GenerateOptions, generate } from '../generate/index.js';
import { type BuildOptions, type ServiceControl, SYSTEMD } from './build-options.js';
import type { ApplyAction, StepFile } from './step-model.js';

/** What every step is rendered from: the cluster and the options, with their defaults filled. */
export interface StepContext {
  cluster: Cluster;
  options: BuildOptions;
  gen: GenerateOptions;
  preferred: Director;
  /** The director that is not preferred, when there are two. */
  standby: Director | undefined;
  vipInterface: string;
  services: ServiceControl;
}

export function stepContext(cluster: Cluster, options: BuildOptions = {}): StepContext {
  const preferred = cluster.directors.find((d) => d.preferred) ?? cluster.directors[0]!;
  return {
    cluster,
    options,
    gen: options.gen ?? {},
    preferred,
    standby: cluster.directors.find((d) => d !== preferred),
    vipInterface: options.vipInterface ?? cluster.heartbeat?.interface ?? 'eth0',
    services: options.services ?? SYSTEMD,
  };
}

/** The generated files of a kind, or why they cannot be generated (what to add to the inventory). */
export function filesOf(ctx: StepContext, kind: string, extra: GenerateOptions = {}): StepFile[] {
  const r = generate(kind, ctx.cluster, { ...ctx.gen, ...extra });
  return r.ok
    ? r.value.map((file) => ({ ok: true as const, file }))
    : [{ ok: false, kind, problem: r.error.message }];
}

export function generated(files: StepFile[]): GeneratedFile[] {
  return files.flatMap((f) => (f.ok ? [f.file] : []));
}

/** Writes a generated file on each of its hosts: `install -D -m MODE /proc/self/fd/0 PATH` (mode set before any byte lands). */
export function writeFileActions(file: GeneratedFile, secret = false): ApplyAction[] {
  return file.hosts.map((host) => ({
    host,
    what: `write ${file.path} (mode ${file.mode.toString(8)})`,
    argv: ['install', '-D', '-m', file.mode.toString(8).padStart(4, '0'), '/proc/self/fd/0', file.path],
    stdin: file.text,
    file: { path: file.path, mode: file.mode },
    ...(secret && { secret: true }),
  }));
}

export function restartActions(
  ctx: StepContext,
  service: 'mon' | 'heartbeat',
  hosts: string[],
): ApplyAction[] {
  return hosts.flatMap((host) =>
    ctx.services.restart(service).map((argv) => ({ host, what: `(re)start ${service}`, argv })),
  );
}

export function vipsOf(cluster: Cluster): string[] {
  return [...new Set(cluster.virtualServices.map((v) => v.vip))];
}

export function directorNames(cluster: Cluster): string[] {
  return cluster.directors.map((d) => d.name);
}
