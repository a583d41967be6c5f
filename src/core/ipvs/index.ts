/**
 * The IPVS table as data: typed model, ipvsadm argv builders, parsers of ipvsadm's listings
 * and save format, its error messages as outcomes, and a diff. Pure: no I/O.
 */
export type { AddressFamily, HostPort, IpAddress } from './address.js';
export { formatHostPort, parseHostPort, parseIpAddress, parsePort } from './address.js';
export type {
  IpvsadmCommand,
  IpvsadmOp,
  ListOptions,
  RealServerInput,
  Scheduler,
  ServiceOptions,
} from './commands.js';
export {
  addRealServerCommand,
  addServiceCommand,
  DEFAULT_PERSISTENCE_TIMEOUT,
  deleteRealServerCommand,
  deleteServiceCommand,
  editRealServerCommand,
  editServiceCommand,
  listCommand,
  MAX_PERSISTENCE_TIMEOUT,
  MAX_WEIGHT,
  restoreCommand,
  SCHED_FLAGS,
  SCHEDULERS,
  saveCommand,
  zeroCommand,
} from './commands.js';
export type { FieldChange, IpvsChange } from './diff.js';
export { describeIpvsChange, diffIpvsTables } from './diff.js';
export type { CounterListing, ListingView, ParsedListing, RateListing, StatsListing } from './list-parser.js';
export { parseIpvsList, parseIpvsListing, parseIpvsRate, parseIpvsStats } from './list-parser.js';
export { mergeIpvsListings } from './merge.js';
export type {
  Counters,
  Forwarding,
  IpvsTable,
  Persistence,
  Protocol,
  Rates,
  RealServer,
  ServiceId,
  TunnelInfo,
  VirtualService,
} from './model.js';
export type { IpvsadmFailureCode, IpvsadmOutcome, ProcessResult } from './outcome.js';
export { classifyIpvsadmResult } from './outcome.js';
export { parseIpvsSave } from './save-parser.js';
export { canonicalIpvsConfig, formatSaveRules } from './save-writer.js';
export type { ServiceIdInput } from './service-id.js';
export {
  describeService,
  parseServiceId,
  realServerKey,
  sameServiceId,
  serviceArgs,
  serviceKey,
} from './service-id.js';
export type { IpvsValueError, IpvsValueErrorCode } from './value-error.js';
