import { isIPv4, isIPv6 } from 'node:net';

export type AddressFamily = 4 | 6;

/**
 * The canonical text of an IP address, or undefined when the text is not one. IPv6 is
 * compressed and lower-cased, so `2001:0DB8:0::1` and `2001:db8::1` compare equal; zone ids
 * (`fe80::1%eth0`) are refused because IPVS has no use for them.
 */
export function canonicalAddress(text: string): string | undefined {
  // node:net refuses leading zeros (`010.0.0.1`), which other tools read as octal.
  if (isIPv4(text)) return text;
  if (isIPv6(text) && !text.includes('%')) {
    // The WHATWG URL parser is the one IPv6 canonicalizer Node ships.
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  }
  return undefined;
}

export function addressFamily(address: string): AddressFamily | undefined {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return undefined;
}

/** `VIP:PORT` as ipvsadm prints it: IPv6 in brackets. */
export function formatEndpoint(address: string, port: number): string {
  return addressFamily(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Splits `VIP`, `VIP:PORT`, `[V6]` or `[V6]:PORT`; the address comes back canonical. */
export function parseEndpoint(text: string): { address: string; port?: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const plain = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) {
    const address = canonicalAddress(text);
    return address === undefined ? undefined : { address };
  }
  const address = canonicalAddress(match[1] ?? '');
  if (address === undefined) return undefined;
  if (match[2] === undefined) return { address };
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? { address, port } : undefined;
}
