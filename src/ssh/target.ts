/**
 * Where and as whom a command runs. The inventory maps its directors and real servers to this;
 * the executor needs nothing else.
 */
export interface SshTarget {
  /** The inventory name (`lb1`, `web-2`): used in every log line and error message. */
  name: string;
  host: string;
  port: number;
  user: string;
  /** A path to an unencrypted OpenSSH/PEM private key file, or the key itself. */
  privateKey: string | Buffer;
  /**
   * The pinned host key: an OpenSSH known_hosts line (`[host]:port ssh-ed25519 AAAA…`, hosts may
   * be comma-separated or hashed), a bare public key (`ssh-ed25519 AAAA…`), or a fingerprint
   * (`SHA256:<base64 without padding>`). Several pins may be given one per line (key rotation).
   * Required: a target without a pin is refused, never trusted on first use.
   */
  hostKey: string;
}

/** `lb1 (root@10.0.0.1:22)`: how a target is named in logs and messages. */
export function describeTarget(target: Pick<SshTarget, 'name' | 'host' | 'port' | 'user'>): string {
  return `${target.name} (${target.user}@${formatAddress(target.host, target.port)})`;
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
