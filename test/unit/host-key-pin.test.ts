import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { hostKeySchema } from '../../src/config/inventory-schema.js';
import { parseHostKeyPins } from '../../src/ssh/index.js';

const ed = ssh2.utils.generateKeyPairSync('ed25519').public.trim();
const [edType, edData] = ed.split(' ') as [string, string];
// An ed25519 blob with one byte too many: the type says ed25519, the key is 33 bytes.
const padded = Buffer.concat([Buffer.from(edData, 'base64'), Buffer.from([0])]).toString('base64');

/** Pins an operator may paste into `hostKey`, good and bad. */
const PINS = [
  ed,
  `lb1,10.0.0.1 ${ed} root@lb1`,
  `[10.0.0.1]:2222 ${ed}`,
  `|1|c2FsdA==|aGFzaA== ${edType} ${edData}`,
  'SHA256:d7ob13ybw4gEICWxyqzO2Ht/CbeVVrMsr9XTdfKWLrk',
  `# rotated\n${ed}\nSHA256:q85igpDZfACyAM0w9H7+Smkj4yGWMqV3p+kxwQbz5M4`,
  // 43 characters, but the last one sets bits past the 32-byte hash.
  'SHA256:d7ob13ybw4gEICWxyqzO2Ht/CbeVVrMsr9XTdfKWLrl',
  'SHA256:tooShort',
  `lb1 ${edType} ${padded}`,
  '16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48',
  `@cert-authority * ${ed}`,
  'lb1 ssh-dss AAAAB3NzaC1kc3M=',
  `lb1 ssh-rsa ${edData}`,
  `${ed}\nhello`,
  '',
];

describe('one host key pin parser for the inventory and the SSH executor', () => {
  it('the inventory accepts exactly the pins the executor can use, with the same reason', () => {
    for (const pin of PINS) {
      const executor = parseHostKeyPins(pin);
      const inventory = hostKeySchema.safeParse(pin);
      expect(inventory.success, JSON.stringify(pin)).toBe(executor.ok);
      if (!executor.ok && !inventory.success) {
        expect(inventory.error.issues[0]?.message, JSON.stringify(pin)).toBe(executor.error);
      }
    }
  });

  it('refuses the pins that pin no usable key, saying what to paste instead', () => {
    const refused = PINS.slice(6).map((p) => {
      const r = parseHostKeyPins(p);
      return r.ok ? 'accepted' : r.error;
    });
    expect(refused).toEqual([
      'a SHA256: fingerprint is 43 base64 characters (a 32-byte hash), as `ssh-keygen -lf KEY.pub` prints it',
      'a SHA256: fingerprint is 43 base64 characters (a 32-byte hash), as `ssh-keygen -lf KEY.pub` prints it',
      'an ssh-ed25519 key holds exactly 32 bytes of key; this one is truncated or padded',
      'an MD5 fingerprint cannot be pinned; use the SHA256: one (ssh-keygen -lf KEY.pub)',
      "a @cert-authority line does not pin a host key; give the host's own key line",
      'DSA host keys are refused by current OpenSSH; pin an ed25519 key',
      'the key data is not a ssh-rsa key (it says ssh-ed25519): truncated or pasted from another line?',
      "pin 2: 'hello' is neither a known_hosts line (HOST TYPE KEY, as ssh-keyscan prints it) nor a SHA256: fingerprint",
      'no host key is pinned; a host is never trusted on first use',
    ]);
  });
});
