/** heartbeat (Linux-HA v1) as data: ha-log lines as typed events, cl_status answers. Pure: no I/O. */
export type {
  ClStatusOutput,
  HbLink,
  HbNode,
  HbStatusVerbose,
  ResourceStatus,
} from './cl-status.js';
export {
  parseHbLinkStatus,
  parseHbParameter,
  parseHbStatus,
  parseHbStatusVerbose,
  parseListHbLinks,
  parseListNodes,
  parseNodeStatus,
  parseRscStatus,
} from './cl-status.js';
export type { HaEvent, HaEventKind } from './ha-event.js';
export { classifyHaMessage } from './ha-event.js';
export type { HaLogFormat, HaLogLevel, HaLogLine, HaLogOptions, HaLogParse } from './ha-log.js';
export { parseHaLog, parseHaLogLine } from './ha-log.js';
export type { LogTime } from './log-time.js';
