import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { type HostKeyPin, keyTypeOf, parseHostKeyPins } from '../../src/core/host-key-pin.js';
import {
  fingerprintOf,
  hostKeyAlgorithmsFor,
  matchesPin,
  pinFingerprint,
} from '../../src/ssh/host-key-pin.js';

function publicKey(type: 'ed25519' | 'ecdsa'): { line: string; blob: Buffer } {
  const pair =
    type === 'ecdsa'
      ? ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 })
      : ssh2.utils.generateKeyPairSync('ed25519');
  const [, data] = pair.public.split(' ');
  return { line: pair.public.trim(), blob: Buffer.from(data!, 'base64') };
}

function pins(text: string): HostKeyPin[] {
  const parsed = parseHostKeyPins(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

describe('parseHostKeyPins', () => {
  const ed = publicKey('ed25519');
  const [edType, edData] = ed.line.split(' ');

  it('reads a known_hosts line with a [host]:port entry', () => {
    const [pin] = pins(`[10.0.0.1]:2222 ${edType} ${edData}`);
    expect(pin).toMatchObject({ kind: 'key', keyType: 'ssh-ed25519', hosts: ['[10.0.0.1]:2222'] });
    expect(pinFingerprint(pin!)).toBe(fingerprintOf(ed.blob));
  });

  it('reads a known_hosts line naming several hosts, with a comment', () => {
    const [pin] = pins(`lb1,lb1.example.com,10.0.0.1 ${edType} ${edData} root@lb1`);
    expect(pin?.kind).toBe('key');
    expect(matchesPin([pin!], ed.blob)).toBe(true);
  });

  it('reads a hashed known_hosts line and a bare public key', () => {
    expect(pins(`|1|c2FsdA==|aGFzaA== ${edType} ${edData}`)).toHaveLength(1);
    expect(pins(ed.line)).toHaveLength(1);
  });

  it('reads a SHA256 fingerprint', () => {
    const fp = fingerprintOf(ed.blob);
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(matchesPin(pins(fp), ed.blob)).toBe(true);
  });

  it('reads several pins, one per line, skipping comments and blank lines', () => {
    const ec = publicKey('ecdsa');
    const read = pins(`# lb1, before and after the rotation\n${ed.line}\n\n${fingerprintOf(ec.blob)}\n`);
    expect(read).toHaveLength(2);
    expect(matchesPin(read, ec.blob)).toBe(true);
  });

  it('refuses a missing pin: nothing is trusted on first use', () => {
    for (const text of ['', '   ', '# only a comment']) {
      expect(parseHostKeyPins(text)).toEqual({
        ok: false,
        error: 'no host key is pinned; a host is never trusted on first use',
      });
    }
  });

  it('refuses what cannot be a pin, saying why', () => {
    const cases: [string, RegExp][] = [
      ['SHA256:tooShort', /43 base64/],
      ['MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', /an MD5 fingerprint cannot be pinned/],
      [`@cert-authority *.example.com ${edType} ${edData}`, /@cert-authority line does not pin a host key/],
      [`@revoked lb1 ${edType} ${edData}`, /@revoked line does not pin a host key/],
      ['lb1 ssh-ed25519', /neither a known_hosts line/],
      [`lb1 ssh-foo ${edData}`, /unknown key type 'ssh-foo'/],
      ['lb1 ssh-ed25519 not*base64', /not valid base64/],
      [`lb1 ssh-rsa ${edData}`, /not a ssh-rsa key \(it says ssh-ed25519\)/],
      ['hello', /neither a known_hosts line/],
    ];
    for (const [text, problem] of cases) {
      const parsed = parseHostKeyPins(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.error).toMatch(problem);
    }
  });
});

describe('matchesPin', () => {
  it('refuses any other key, whether pinned by line or by fingerprint', () => {
    const pinned = publicKey('ed25519');
    const other = publicKey('ed25519');
    expect(matchesPin(pins(pinned.line), other.blob)).toBe(false);
    expect(matchesPin(pins(fingerprintOf(pinned.blob)), other.blob)).toBe(false);
  });
});

describe('hostKeyAlgorithmsFor', () => {
  it('offers only the pinned key types, RSA with its SHA-2 signatures', () => {
    const ed = publicKey('ed25519');
    const rsa = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 }).public;
    expect(hostKeyAlgorithmsFor(pins(`${ed.line}\n${rsa}`))).toEqual([
      'ssh-ed25519',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
  });

  it("leaves the choice to ssh2's defaults when a pin is only a fingerprint", () => {
    const ed = publicKey('ed25519');
    expect(hostKeyAlgorithmsFor(pins(fingerprintOf(ed.blob)))).toBeUndefined();
  });
});

describe('keyTypeOf', () => {
  it('reads the type inside a key blob and nothing from garbage', () => {
    expect(keyTypeOf(publicKey('ed25519').blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.from([0, 0, 0]))).toBeUndefined();
    expect(keyTypeOf(Buffer.from([0xff, 0, 0, 1, 65]))).toBeUndefined();
  });
});
