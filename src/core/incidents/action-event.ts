import type { IncidentAction, LvsEvent } from '../events/event.js';
import type { Incident } from './incident.js';

/**
 * The info event that carries a person's action to an incident. It names the incident's
 * group, service, host or node exactly as the incident's own events did, so it lands on the
 * incident's key (the store loads incidents by key).
 */
export function actionEvent(incident: Incident, action: IncidentAction, id: string, at: number): LvsEvent {
  const kind =
    incident.kind === 'failover' ? 'failover' : incident.kind === 'security' ? 'security' : 'alert';
  // A security incident's key may come from a node rather than a host: name it as the key does.
  const host =
    kind === 'security' ? incident.key.slice(`${incident.cluster}/security/`.length) : incident.host;
  return {
    id,
    source: 'mon',
    kind,
    status: 'info',
    cluster: incident.cluster,
    ...(incident.group !== undefined && { group: incident.group }),
    ...(incident.service !== undefined && { service: incident.service }),
    ...(host !== undefined && { host }),
    ...(incident.node !== undefined && { node: incident.node }),
    ...(kind === 'failover' && { phase: 'other' as const }),
    action,
    summary: describeAction(action),
    at,
    receivedAt: at,
  };
}

function describeAction(action: IncidentAction): string {
  switch (action.type) {
    case 'ack':
      return `acknowledged by <@${action.by}>`;
    case 'silence':
      return `${action.target} silenced by <@${action.by}>`;
    case 'unsilence':
      return `${action.target} enabled again`;
  }
}
