import type { Cluster } from '../../config/inventory.js';
import { err, ok, type Result } from '../../core/result.js';
import { directorPair, header } from './cluster-parts.js';
import { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';

/**
 * /etc/ha.d/authkeys (docs/howto.md, part 9: `auth 1`, `1 sha1 KEY`, mode 600; heartbeat refuses the
 * file when group or others may read it). The secret is an option, never in the inventory.
 */
export function generateAuthkeys(
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  const pair = directorPair(cluster, 'authkeys');
  if (!pair.ok) return pair;
  const secret = options.authSecret;
  if (secret === undefined || secret === '') {
    return err(
      new GenerateError(
        'BAD_OPTION',
        'authkeys needs the shared secret of the two directors (--secret-file FILE)',
      ),
    );
  }
  if (!/^[\x21-\x7e]{8,}$/.test(secret)) {
    return err(
      new GenerateError(
        'BAD_OPTION',
        'the authkeys secret is at least 8 printable characters without spaces (e.g. openssl rand -hex 16)',
      ),
    );
  }
  return ok([
    {
      kind: 'authkeys',
      path: '/etc/ha.d/authkeys',
      hosts: [pair.value.preferred.name, pair.value.standby.name],
      mode: 0o600,
      text: [
        ...header('authkeys', cluster, 'Mode 600: heartbeat refuses a key file others can read.'),
        'auth 1',
        `1 sha1 ${secret}`,
        '',
      ].join('\n'),
      notes: ['Holds the secret: install it with mode 600, the same file on both directors.'],
    },
  ]);
}
