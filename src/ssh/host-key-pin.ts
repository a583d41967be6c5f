import { createHash } from 'node:crypto';
import type { HostKeyPin, HostKeyType } from '../core/host-key-pin.js';

/** The signature algorithms each pinnable host key type allows in the handshake. */
const HOST_KEY_ALGORITHMS: Readonly<Record<HostKeyType, readonly string[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint a pin stands for, as `ssh-keygen -l` prints it. */
export function pinFingerprint(pin: HostKeyPin): string {
  return pin.kind === 'key' ? fingerprintOf(pin.blob) : pin.fingerprint;
}

/** Whether the raw host key the server presented is one of the pins. */
export function matchesPin(pins: readonly HostKeyPin[], presented: Buffer): boolean {
  const fingerprint = fingerprintOf(presented);
  return pins.some((p) => (p.kind === 'key' ? p.blob.equals(presented) : p.fingerprint === fingerprint));
}

/**
 * The host key algorithms to offer: only those of the pinned key types, so a server that also
 * has other host keys presents the pinned one. Undefined (ssh2's defaults, ed25519 first) when a
 * pin is a bare fingerprint, whose key type is unknown.
 */
export function hostKeyAlgorithmsFor(pins: readonly HostKeyPin[]): string[] | undefined {
  if (pins.some((p) => p.kind === 'fingerprint')) return undefined;
  const algorithms = new Set<string>();
  for (const p of pins)
    if (p.kind === 'key') for (const a of HOST_KEY_ALGORITHMS[p.keyType]) algorithms.add(a);
  return [...algorithms];
}
