import type { Forwarding } from '../config/inventory.js';
import {
  addRealServerCommand,
  deleteRealServerCommand,
  editRealServerCommand,
  type IpvsadmCommand,
} from '../core/ipvs/commands.js';
import type { IpvsValueError } from '../core/ipvs/value-error.js';
import type { Result } from '../core/result.js';
import type { RemoteCommand, Step } from './plan.js';
import type { Member } from './refs.js';

/** Plans build argv from inventory values the loader validated; a refusal here is a bug. */
function argvOf(built: Result<IpvsadmCommand, IpvsValueError>): IpvsadmCommand {
  if (!built.ok) throw new Error(`cannot build the ipvsadm command: ${built.error.message}`);
  return built.value;
}

function ipvsadm(host: string, built: Result<IpvsadmCommand, IpvsValueError>): RemoteCommand {
  const command = argvOf(built);
  return { host, argv: command.argv, judge: { kind: 'ipvsadm', op: command.op } };
}

export function deleteCommand(host: string, member: Member): RemoteCommand {
  return ipvsadm(
    host,
    deleteRealServerCommand(member.service.id, {
      address: member.realServer.address,
      port: member.realServer.port,
    }),
  );
}

export function addCommand(
  host: string,
  member: Member,
  weight: number,
  forwarding: Forwarding,
): RemoteCommand {
  return ipvsadm(
    host,
    addRealServerCommand(member.service.id, {
      address: member.realServer.address,
      port: member.realServer.port,
      forwarding,
      weight,
    }),
  );
}

/** `ipvsadm -e` resets forwarding to -g unless given, so the current forwarding is always passed. */
export function editCommand(
  host: string,
  member: Member,
  weight: number,
  forwarding: Forwarding,
): RemoteCommand {
  return ipvsadm(
    host,
    editRealServerCommand(member.service.id, {
      address: member.realServer.address,
      port: member.realServer.port,
      forwarding,
      weight,
    }),
  );
}

function role(director: string, active: string): string {
  return director === active ? `${director} (active)` : `${director} (standby)`;
}

/** Take the real server out of the service on `director`; undone by adding it back as it was. */
export function removeStep(
  director: string,
  active: string,
  member: Member,
  was: { weight: number; forwarding: Forwarding } | null,
): Step {
  return {
    id: `remove:${member.service.name}:${director}`,
    title: `Remove ${member.realServer.name} (${member.realServer.key}) from ${member.service.label} on ${role(director, active)}`,
    doneWhen: {
      kind: 'real-server-absent',
      director,
      service: member.service,
      realServer: member.realServer,
    },
    actions: [deleteCommand(director, member)],
    wait: null,
    verify: [
      { kind: 'real-server-absent', director, service: member.service, realServer: member.realServer },
    ],
    rollback: was ? [addCommand(director, member, was.weight, was.forwarding)] : [],
    required: director === active,
    onlyAfterChange: false,
  };
}

/** Put the real server in the service with this weight and forwarding; undone by removing it. */
export function addStep(
  director: string,
  active: string,
  member: Member,
  weight: number,
  forwarding: Forwarding,
): Step {
  const present = {
    kind: 'real-server-present',
    director,
    service: member.service,
    realServer: member.realServer,
    weight,
    forwarding,
  } as const;
  return {
    id: `add:${member.service.name}:${director}`,
    title: `Add ${member.realServer.name} (${member.realServer.key}) to ${member.service.label} on ${role(director, active)}, ${forwarding}, weight ${weight}`,
    doneWhen: present,
    actions: [addCommand(director, member, weight, forwarding)],
    wait: null,
    verify: [present],
    rollback: [deleteCommand(director, member)],
    required: director === active,
    onlyAfterChange: false,
  };
}

/**
 * Set the weight (and the forwarding, since `ipvsadm -e` resets what it is not given); undone
 * by setting back what the table had.
 */
export function weightStep(
  director: string,
  active: string,
  member: Member,
  change: { weight: number; forwarding: Forwarding },
  current: { weight: number; forwarding: Forwarding },
  id = `weight:${member.service.name}:${director}`,
): Step {
  const present = {
    kind: 'real-server-present',
    director,
    service: member.service,
    realServer: member.realServer,
    weight: change.weight,
    forwarding: change.forwarding,
  } as const;
  const forwardingText =
    change.forwarding === current.forwarding
      ? ''
      : `, forwarding ${current.forwarding} → ${change.forwarding}`;
  return {
    id,
    title: `Set ${member.realServer.name}'s weight in ${member.service.label} to ${change.weight} on ${role(director, active)} (now ${current.weight}${forwardingText})`,
    doneWhen: present,
    actions: [editCommand(director, member, change.weight, change.forwarding)],
    wait: null,
    verify: [present],
    rollback: [editCommand(director, member, current.weight, current.forwarding)],
    required: director === active,
    onlyAfterChange: false,
  };
}

/**
 * Persist the active director's table to the rules file on `host` (what `ipvsadm-save -n >
 * FILE` does, without a shell): the rules are read fresh from the active director, written to
 * a temporary file beside the rules file, and renamed over it, so a reboot or takeover in the
 * middle never loads half a file. Optional: the table change stands if this fails.
 */
export function persistStep(host: string, active: string, rulesFile: string, phase = ''): Step {
  const temporary = `${rulesFile}.lvs-chatops.tmp`;
  return {
    id: `persist${phase ? `:${phase}` : ''}:${host}`,
    title: `Save ${active}'s table (ipvsadm -S -n, as ipvsadm-save -n) to ${rulesFile} on ${role(host, active)}`,
    doneWhen: null,
    actions: [
      {
        host,
        argv: ['tee', temporary],
        judge: { kind: 'exit', okCodes: [0] },
        stdinFrom: { kind: 'ipvs-rules', host: active },
      },
      { host, argv: ['mv', '-f', temporary, rulesFile], judge: { kind: 'exit', okCodes: [0] } },
    ],
    wait: null,
    verify: [],
    rollback: [],
    required: false,
    onlyAfterChange: true,
  };
}
