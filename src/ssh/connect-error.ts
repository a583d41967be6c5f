import type { HostKeyPin } from '../core/host-key-pin.js';
import { AuthError } from './errors/auth-error.js';
import { ConnectTimeoutError } from './errors/connect-timeout-error.js';
import { HandshakeError } from './errors/handshake-error.js';
import { HostKeyMismatchError } from './errors/host-key-mismatch-error.js';
import { SshError } from './errors/ssh-error.js';
import { UnreachableError } from './errors/unreachable-error.js';
import { fingerprintOf, pinFingerprint } from './host-key-pin.js';
import { formatAddress, type SshTarget } from './target.js';

/** What the connect attempt saw, beside ssh2's error, to tell a wrong host key from other failures. */
export interface ConnectAttempt {
  target: SshTarget;
  pins: readonly HostKeyPin[];
  /** The host key the server presented, when it got that far. */
  presentedKey: Buffer | undefined;
  /** True when our verifier refused the presented key. */
  keyRefused: boolean;
  timeoutMs: number;
}

/**
 * Maps an ssh2 connect failure (its `level` and socket `code`) to our typed errors. `error` is
 * undefined when the server closed the connection before the session was up without a reason.
 */
export function classifyConnectError(error: unknown, attempt: ConnectAttempt): SshError {
  const { target } = attempt;
  const address = formatAddress(target.host, target.port);
  if (error instanceof SshError) return error;
  const pinned = attempt.pins.map(pinFingerprint);
  if (attempt.keyRefused && attempt.presentedKey) {
    return new HostKeyMismatchError(target.name, address, fingerprintOf(attempt.presentedKey), pinned);
  }
  if (error === undefined) {
    return new UnreachableError(
      target.name,
      address,
      'the server closed the connection during the SSH handshake',
    );
  }
  const e = error as Error & { level?: string; code?: string };
  switch (e.level) {
    case 'client-authentication':
      return new AuthError(target.name, target.user, { cause: e });
    case 'client-timeout':
      return new ConnectTimeoutError(target.name, address, attempt.timeoutMs, { cause: e });
    case 'client-socket':
    case 'client-dns':
      return new UnreachableError(target.name, address, e.code ?? e.message, { cause: e });
    case 'handshake':
      // We offer only the pinned key types; a server without such a key cannot prove it is the pinned host.
      if (/host key/i.test(e.message) && attempt.pins.every((p) => p.kind === 'key')) {
        const types = [...new Set(attempt.pins.map((p) => (p.kind === 'key' ? p.keyType : '')))].join('/');
        return new HostKeyMismatchError(
          target.name,
          address,
          `no ${types} host key (the server has other key types)`,
          pinned,
        );
      }
      return new HandshakeError(target.name, address, e.message, { cause: e });
    default:
      return new HandshakeError(target.name, address, e.message, { cause: e });
  }
}
