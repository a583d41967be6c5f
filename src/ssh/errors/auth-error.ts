import { SshError } from './ssh-error.js';

/** sshd refused our private key. Final: the same key will be refused again. */
export class AuthError extends SshError {
  readonly code = 'SSH_AUTH_FAILED';
  readonly retryable = false;

  constructor(
    target: string,
    readonly user: string,
    options?: { cause?: unknown },
  ) {
    super(
      target,
      `${target} refused the SSH key for user ${user}. Add the public key to ~${user}/.ssh/authorized_keys on ${target}, or fix the key path in the inventory.`,
      options,
    );
  }
}
