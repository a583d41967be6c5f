/**
 * mon as data: an alert script's call (argv, MON_* environment, stdin) as a typed value, a
 * mon.cf reader and writer that follow mon's own rules, and mon's client protocol replies.
 * Pure: no I/O.
 */
export type {
  LvsAlertTarget,
  MonAlertEnv,
  MonAlertInput,
  MonAlertInvocation,
  MonAlertType,
} from './alert.js';
export { MON_ALERT_TYPES, monAlertInputSchema, parseMonAlert } from './alert.js';
export type {
  MonDisabled,
  MonDowntime,
  MonReply,
  MonServiceRef,
  MonServiceStatus,
  MonStatusLine,
} from './client-reply.js';
export {
  parseDtlogReply,
  parseGetReply,
  parseListDescriptionsReply,
  parseListDisabledReply,
  parseListGroupReply,
  parseListWatchReply,
  parseMonReply,
  parseOpstatusReply,
  unescapeMonValue,
} from './client-reply.js';
export type { MonConfig, MonHostgroup, MonOption, MonPeriod, MonService, MonWatch } from './config-model.js';
export { MON_GLOBALS, MON_PERIOD_KEYWORDS, MON_SERVICE_KEYWORDS } from './config-model.js';
export type { MonConfigRead } from './config-reader.js';
export { parseMonConfig } from './config-reader.js';
export { formatMonConfig } from './config-writer.js';
export { monDurationSeconds } from './mon-duration.js';
export type { OpStatus, OpStatusName } from './opstatus.js';
export { OPSTATUS_NAMES, opStatusFromCode } from './opstatus.js';
