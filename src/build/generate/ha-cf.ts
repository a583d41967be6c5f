import { join } from 'node:path/posix';
import type { Cluster } from '../../config/inventory.js';
import { err, ok, type Result } from '../../core/result.js';
import { header, heartbeatParts, isIpv6 } from './cluster-parts.js';
import { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';

/** heartbeat's times: whole seconds, or `Nms`. */
export function haTime(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : `${ms}ms`;
}

/**
 * /etc/ha.d/ha.cf as the HOWTO writes it (docs/howto.md, parts 8-9: logs, keepalive, deadtime, udpport 694,
 * a `node` line per director as `uname -n` names it), with `ucast` to both directors instead
 * of the HOWTO's broadcast: heartbeat ignores its own packets, so one file serves both nodes.
 * `crm no`: haresources mode, no Pacemaker.
 */
export function generateHaCf(
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  const hb = heartbeatParts(cluster, 'ha.cf');
  if (!hb.ok) return hb;
  const { preferred, standby, keepalive, deadtime, autoFailback } = hb.value;
  if (deadtime <= 2 * keepalive) {
    return err(
      new GenerateError(
        'INVENTORY_MISSING',
        `heartbeat refuses a deadtime (${haTime(deadtime)}) of at most twice the keepalive (${haTime(keepalive)}): raise clusters[${cluster.name}].heartbeat.deadtime`,
      ),
    );
  }
  const v6 = [preferred, standby].find((d) => isIpv6(d.address));
  if (v6) {
    return err(
      new GenerateError(
        'INVENTORY_MISSING',
        `heartbeat's ucast takes IPv4 addresses, and director ${v6.name} has ${v6.address}: give it an IPv4 address`,
      ),
    );
  }
  const logDir = options.haLogDir ?? '/var/log';
  const lines = [
    ...header(
      'ha.cf',
      cluster,
      'The same file on both directors (heartbeat ignores packets to its own address).',
    ),
    `debugfile ${join(logDir, 'ha-debug')}`,
    `logfile ${join(logDir, 'ha-log')}`,
    'logfacility local0',
    `keepalive ${haTime(keepalive)}`,
    `deadtime ${haTime(deadtime)}`,
    // udpport must come before the media lines: heartbeat reads ha.cf in order.
    'udpport 694',
    `ucast ${hb.value.interface} ${preferred.address}`,
    `ucast ${hb.value.interface} ${standby.address}`,
    `auto_failback ${autoFailback ? 'on' : 'off'}`,
    `node ${preferred.node}`,
    `node ${standby.node}`,
    'crm no',
    '',
  ];
  return ok([
    {
      kind: 'ha.cf',
      path: '/etc/ha.d/ha.cf',
      hosts: [preferred.name, standby.name],
      mode: 0o644,
      text: lines.join('\n'),
      notes: [
        `The node lines must match 'uname -n' on each director (${preferred.node}, ${standby.node}); set directors[].node in the inventory when they differ from the names.`,
      ],
    },
  ]);
}
