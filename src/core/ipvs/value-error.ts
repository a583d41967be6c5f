import type { ParseError } from '../result.js';

export type IpvsValueErrorCode =
  | 'IPVS_BAD_ADDRESS'
  | 'IPVS_BAD_PORT'
  | 'IPVS_BAD_FWMARK'
  | 'IPVS_BAD_WEIGHT'
  | 'IPVS_BAD_SCHEDULER'
  | 'IPVS_BAD_SCHED_FLAGS'
  | 'IPVS_BAD_PERSISTENCE'
  | 'IPVS_BAD_NETMASK'
  | 'IPVS_BAD_FORWARDING'
  | 'IPVS_BAD_OPTION';

/**
 * A value an ipvsadm command was asked to carry that ipvsadm (or IPVS) would refuse, caught
 * before anything runs. `field` names the input, so the message can point the operator at it.
 */
export interface IpvsValueError extends ParseError {
  code: IpvsValueErrorCode;
  field: string;
}
