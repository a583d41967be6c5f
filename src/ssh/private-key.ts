import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { PrivateKeyError } from './errors/private-key-error.js';
import type { SshTarget } from './target.js';

/**
 * The target's private key, read (from its path, on every connect, so a rotated key file is
 * picked up) and checked before any connection is made, so a bad key is a clear final error
 * rather than an authentication failure. The key itself never appears in an error or a log.
 */
export async function loadPrivateKey(target: SshTarget): Promise<Buffer> {
  const source = target.privateKey;
  const where = typeof source === 'string' ? `file ${source}` : 'given inline';
  let data: Buffer;
  if (typeof source === 'string') {
    try {
      data = await readFile(source);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'read error';
      throw new PrivateKeyError(target.name, `file ${source} cannot be read (${code})`, { cause });
    }
  } else {
    data = source;
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new PrivateKeyError(
      target.name,
      encrypted
        ? `${where} is protected by a passphrase; give the executor an unencrypted key (readable only by the service)`
        : `${where} is not a private key ssh2 can read (${parsed.message})`,
    );
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) {
    throw new PrivateKeyError(target.name, `${where} holds a public key, not a private key`);
  }
  return data;
}
