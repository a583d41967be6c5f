import type { Cluster } from '../../config/inventory.js';
import { ok, type Result } from '../../core/result.js';
import type { GenerateError } from './generate-error.js';
import type { GeneratedFile } from './generated-file.js';

/**
 * Lines for /etc/hosts on every host (docs/howto.md, part 2: every real IP and the director's VIP in
 * each server's hosts file, so they ping each other by name). Appended, not replacing the file.
 */
export function generateEtcHosts(cluster: Cluster): Result<GeneratedFile[], GenerateError> {
  const rows: [string, string[]][] = [
    ...cluster.directors.map((d): [string, string[]] => [
      d.address,
      d.node === d.name ? [d.name] : [d.name, d.node],
    ]),
    ...cluster.realServers.map((r): [string, string[]] => [r.address, [r.name]]),
    ...cluster.virtualServices.map((v): [string, string[]] => [v.vip, [`${cluster.name}-${v.name}-vip`]]),
  ];
  // A VIP shared by several services gets one line with every name.
  const merged = new Map<string, string[]>();
  for (const [address, names] of rows) merged.set(address, [...(merged.get(address) ?? []), ...names]);
  const width = Math.max(...[...merged.keys()].map((a) => a.length));
  return ok([
    {
      kind: 'hosts',
      path: '/etc/hosts',
      hosts: [...cluster.directors, ...cluster.realServers].map((h) => h.name),
      mode: 0o644,
      text: [
        `# LVS cluster ${cluster.name} (lvs-chatops gen hosts)`,
        ...[...merged.entries()].map(([a, names]) => `${a.padEnd(width)}  ${[...new Set(names)].join(' ')}`),
        '',
      ].join('\n'),
      notes: ['Append these lines to /etc/hosts on every host; do not replace the file.'],
    },
  ]);
}
