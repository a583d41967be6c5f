import { SshError } from './ssh-error.js';

/**
 * The server presented a host key other than the pinned one. Final and never retried: either
 * the host was reinstalled (verify the new key out of band and update the pin) or someone is
 * in the middle. No command was sent.
 */
export class HostKeyMismatchError extends SshError {
  readonly code = 'SSH_HOST_KEY_MISMATCH';
  readonly retryable = false;

  constructor(
    target: string,
    readonly address: string,
    /** `SHA256:…` of what the server presented, or a note when it offered no key of the pinned type. */
    readonly presented: string,
    /** `SHA256:…` of each pinned key. */
    readonly pinned: readonly string[],
  ) {
    super(
      target,
      `${target} (${address}) presented host key ${presented}, but the inventory pins ${pinned.join(', ')}. ` +
        'Nothing was run. If the host was reinstalled, verify its new key out of band (ssh-keygen -lf on the host) ' +
        'and update hostKey in the inventory; otherwise treat this as a possible interception.',
    );
  }
}
