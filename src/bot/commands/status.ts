import type { Command } from '../../core/commands/index.js';
import type { StatusReport } from '../../status/status-report.js';
import type { Silence, SilenceStore } from '../../store/silence-store.js';
import { renderStatus } from '../render/status.js';
import { ephemeral, problem, type Reply } from '../reply.js';
import type { BotServices, Invocation, Outcome } from './handle-command.js';

export interface StatusSource {
  read(cluster: string): Promise<StatusReport>;
}

function closest(names: string[]): string {
  return names.length ? `known: ${names.join(', ')}` : 'the inventory has none';
}

/**
 * `/lvs status [CLUSTER|VIP[:PORT]]`: acked at once, then answered in the channel with the
 * live tables a worker read from the directors.
 */
export function statusHandler(source: StatusSource, silences?: SilenceStore) {
  return async (services: BotServices, _inv: Invocation, command: Command): Promise<Outcome> => {
    if (command.name !== 'status') throw new Error('status handler called for another command');
    const { inventory } = services;
    let clusters = inventory.clusters;
    let onlyService: ((label: string, vip: string, port: number) => boolean) | undefined;
    if (command.cluster) {
      clusters = inventory.clusters.filter((c) => c.name === command.cluster);
      if (clusters.length === 0) {
        return {
          ack: problem(
            `cluster ${command.cluster} is not in the inventory; ${closest(inventory.clusters.map((c) => c.name))}`,
          ),
        };
      }
    } else if (command.vip) {
      const [vip, port] = splitVip(command.vip);
      clusters = inventory.clusters.filter((c) =>
        c.virtualServices.some((vs) => vs.vip === vip && (port === undefined || vs.port === port)),
      );
      if (clusters.length === 0) {
        const known = inventory.clusters.flatMap((c) =>
          c.virtualServices.map((vs) => `${vs.vip}:${vs.port}`),
        );
        return { ack: problem(`no virtual service ${command.vip} in the inventory; ${closest(known)}`) };
      }
      onlyService = (_l, v, p) => v === vip && (port === undefined || p === port);
    }
    const names = clusters.map((c) => c.name);
    return {
      ack: ephemeral(`Reading the directors of ${names.join(', ')}…`),
      later: async (): Promise<Reply> => {
        const replies = await Promise.all(
          clusters.map(async (c) => {
            // Redis answers while the worker reads the directors: nothing waits for the other.
            const [report, incidents, silenced] = await Promise.all([
              source.read(c.name),
              services.incidents.open(c.name),
              silences?.list(c.name),
            ]);
            if (onlyService) {
              const keep = new Set(
                c.virtualServices.filter((vs) => onlyService!(vs.name, vs.vip, vs.port)).map((vs) => vs.name),
              );
              report.services = report.services.filter((s) => keep.has(s.name));
            }
            return withSilences(renderStatus(report, incidents), silenced);
          }),
        );
        if (replies.length === 1) return replies[0]!;
        return {
          response_type: 'in_channel',
          text: replies.map((r) => r.text).join('\n'),
          blocks: replies.flatMap((r) => r.blocks ?? []).slice(0, 50),
        };
      },
    };
  };
}

function splitVip(text: string): [string, number | undefined] {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) return [bracket[1]!, bracket[2] ? Number(bracket[2]) : undefined];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(text);
  if (v4) return [v4[1]!, v4[2] ? Number(v4[2]) : undefined];
  return [text, undefined];
}

/** The cluster's mon silences under its status: what is not being watched, and until when. */
function withSilences(reply: Reply, silences: Silence[] | undefined): Reply {
  if (!silences?.length) return reply;
  const line = silences
    .map((q) => `${q.target} until ${new Date(q.until).toISOString().slice(11, 16)} UTC by <@${q.by}>`)
    .join(', ');
  return {
    ...reply,
    text: `${reply.text}\nSilenced in mon: ${line}`,
    blocks: [
      ...(reply.blocks ?? []),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `:no_bell: Silenced in mon: ${line}`.slice(0, 3000) }],
      },
    ],
  };
}
