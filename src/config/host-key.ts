import type { HostKeyPin } from '../core/host-key-pin.js';
import { canonicalAddress } from './address.js';

/**
 * The addresses a known_hosts line names that are not this host's: a line for another
 * address is a pasted-the-wrong-line mistake. Host names and hashed or wildcard patterns are
 * not judged (a line written for a DNS name is fine; the inventory says which host it pins).
 */
export function foreignAddresses(pin: HostKeyPin, hostAddresses: readonly string[]): string[] {
  if (pin.kind !== 'key' || pin.hosts === undefined) return [];
  const named = pin.hosts.map((h) => canonicalAddress(h.replace(/^\[(.*)\]:\d+$/, '$1')));
  if (named.some((a) => a === undefined)) return [];
  const addresses = named.filter((a): a is string => a !== undefined);
  return addresses.some((a) => hostAddresses.includes(a)) ? [] : addresses;
}
