import { err, ok, type Result } from './result.js';

/**
 * The host key types a pin may name (what current OpenSSH servers present and the SSH
 * executor can verify). DSA is not among them: current OpenSSH refuses it.
 */
export const HOST_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
] as const;
export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

/**
 * A pinned SSH host key (docs/interfaces.md, "Inventory"): the whole public key, from an OpenSSH known_hosts line
 * (`HOSTS TYPE BLOB [COMMENT]`, as `ssh-keyscan` prints it) or a public key line (`TYPE BLOB
 * [COMMENT]`, the host's `/etc/ssh/ssh_host_*_key.pub`), or only its fingerprint
 * (`SHA256:` and 43 base64 characters, as `ssh-keygen -lf KEY.pub` prints it).
 */
export type HostKeyPin =
  | {
      kind: 'key';
      keyType: HostKeyType;
      /** The raw public key, as the server presents it in the handshake. */
      blob: Buffer;
      /** The known_hosts line's host patterns (names, addresses, `[host]:port`, hashed). */
      hosts?: string[];
    }
  | { kind: 'fingerprint'; fingerprint: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const MD5 = /^(MD5:)?([0-9a-f]{2}:){15}[0-9a-f]{2}$/i;

function isKeyType(word: string | undefined): word is HostKeyType {
  return (HOST_KEY_TYPES as readonly (string | undefined)[]).includes(word);
}

/**
 * A host's `hostKey`: one pin per non-empty line (several while a key is rotated; `#` lines are
 * comments). The host names in a known_hosts line are kept, not compared here: the inventory
 * says which key belongs to which host. `@cert-authority` and `@revoked` lines are refused (a
 * CA trusts more than one key; a revocation pins nothing). The error says what to paste instead.
 */
export function parseHostKeyPins(text: string): Result<HostKeyPin[], string> {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) return err('no host key is pinned; a host is never trusted on first use');
  const pins: HostKeyPin[] = [];
  for (const [i, line] of lines.entries()) {
    const pin = parseHostKeyPin(line);
    if (!pin.ok) return lines.length === 1 ? pin : err(`pin ${i + 1}: ${pin.error}`);
    pins.push(pin.value);
  }
  return ok(pins);
}

/** One pin (one line). */
export function parseHostKeyPin(text: string): Result<HostKeyPin, string> {
  const line = text.trim();
  if (line.startsWith('SHA256:')) return parseFingerprint(line);
  if (MD5.test(line)) {
    return err('an MD5 fingerprint cannot be pinned; use the SHA256: one (ssh-keygen -lf KEY.pub)');
  }
  return parseKeyLine(line);
}

function parseFingerprint(line: string): Result<HostKeyPin, string> {
  const b64 = line.slice('SHA256:'.length);
  // 43 characters hold 258 bits: the last one must leave the bits past the 32-byte hash clear.
  if (!/^[A-Za-z0-9+/]{43}$/.test(b64) || unpadded(Buffer.from(b64, 'base64')) !== b64) {
    return err(
      'a SHA256: fingerprint is 43 base64 characters (a 32-byte hash), as `ssh-keygen -lf KEY.pub` prints it',
    );
  }
  return ok({ kind: 'fingerprint', fingerprint: line });
}

function parseKeyLine(line: string): Result<HostKeyPin, string> {
  const fields = line.split(/\s+/);
  if (fields[0]?.startsWith('@')) {
    return err(`a ${fields[0]} line does not pin a host key; give the host's own key line`);
  }
  // A known_hosts line starts with its hosts; a public key line with its type.
  const hasHosts = !isKeyType(fields[0]) && fields[0] !== 'ssh-dss';
  const [hosts, type, data] = hasHosts ? fields : [undefined, ...fields];
  if (type === undefined || data === undefined) {
    return err(
      `'${shorten(line)}' is neither a known_hosts line (HOST TYPE KEY, as ssh-keyscan prints it) nor a SHA256: fingerprint`,
    );
  }
  if (type === 'ssh-dss') return err('DSA host keys are refused by current OpenSSH; pin an ed25519 key');
  if (!isKeyType(type))
    return err(`unknown key type '${type}'; expected one of ${HOST_KEY_TYPES.join(', ')}`);
  const blob = BASE64.test(data) ? Buffer.from(data, 'base64') : undefined;
  if (blob === undefined || blob.toString('base64') !== data)
    return err(`the ${type} key is not valid base64`);
  // The blob starts with its own type as an SSH string (uint32 length, then the name).
  const inner = keyTypeOf(blob);
  if (inner !== type) {
    return err(
      `the key data is not a ${type} key (${inner ? `it says ${inner}` : 'it names no type'}): truncated or pasted from another line?`,
    );
  }
  if (type === 'ssh-ed25519' && blob.length !== 4 + type.length + 4 + 32) {
    return err('an ssh-ed25519 key holds exactly 32 bytes of key; this one is truncated or padded');
  }
  return ok({ kind: 'key', keyType: type, blob, ...(hosts !== undefined && { hosts: hosts.split(',') }) });
}

/** The key type written inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Uint8Array): string | undefined {
  if (blob.length < 4) return undefined;
  const len = ((blob[0]! << 24) | (blob[1]! << 16) | (blob[2]! << 8) | blob[3]!) >>> 0;
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return Buffer.from(blob.subarray(4, 4 + len)).toString('latin1');
}

function unpadded(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
