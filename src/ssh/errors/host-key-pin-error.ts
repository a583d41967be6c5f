import { SshError } from './ssh-error.js';

/** The target has no host key pin, or one that cannot be read. Final: we never trust on first use. */
export class HostKeyPinError extends SshError {
  readonly code = 'SSH_HOST_KEY_PIN_INVALID';
  readonly retryable = false;

  constructor(target: string, problem: string) {
    super(
      target,
      `${target}: ${problem}. Pin the host key in the inventory as a known_hosts line ` +
        '(ssh-keyscan -t ed25519 HOST) or a fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host).',
    );
  }
}
