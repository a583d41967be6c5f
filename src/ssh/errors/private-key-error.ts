import { SshError } from './ssh-error.js';

/** The private key cannot be read or parsed (missing file, wrong format, passphrase-protected). Final. */
export class PrivateKeyError extends SshError {
  readonly code = 'SSH_PRIVATE_KEY_INVALID';
  readonly retryable = false;

  constructor(target: string, problem: string, options?: { cause?: unknown }) {
    super(target, `${target}: the SSH private key ${problem}.`, options);
  }
}
