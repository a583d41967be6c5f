export { actionEvent } from './action-event.js';
export { applyEvent, type Decision, incidentKey } from './correlate.js';
export { formatDuration } from './format.js';
export {
  type CorrelationOptions,
  defaultCorrelationOptions,
  durationOf,
  type Incident,
  type IncidentAck,
  type IncidentKind,
  type IncidentSilence,
  type IncidentState,
  type TimelineEntry,
  type TimelineType,
} from './incident.js';
