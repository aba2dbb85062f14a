/**
 * The service addresses of the healthcheck as Python's `ipaddress` treats them (ExaBGP parses `--ip` with
 * `ip_network` and `--next-hop`/`--neighbor` with `ip_address`): strict networks (host bits must be
 * clear), an address without a length is a host network (/32, /128), text in canonical form (RFC 5952 for
 * IPv6). Pure functions.
 */
import { bytesToIp, ipToBytes } from "../bgp/ip.ts";

export interface Network {
  /** The full address: 4 or 16 bytes, host bits clear. */
  readonly bytes: Uint8Array;
  readonly length: number;
}

/** Deaggregating a network larger than this is refused (an IPv6 /64 would never end). */
export const MAX_DEAGGREGATE = 65_536;

function address(text: string): Uint8Array {
  try {
    return ipToBytes(text);
  } catch {
    throw new Error(`'${text}' does not appear to be an IPv4 or IPv6 address`);
  }
}

/** `ip_address(text)` in its canonical text form. */
export function parseAddress(text: string): string {
  return bytesToIp(address(text.trim()));
}

/** `ip_network(text)`: "10.0.0.1" is 10.0.0.1/32; "10.0.0.1/24" is refused (host bits set). */
export function parseNetwork(text: string): Network {
  const t = text.trim();
  const slash = t.indexOf("/");
  const bytes = address(slash < 0 ? t : t.slice(0, slash));
  const max = bytes.length * 8;
  const lengthText = slash < 0 ? String(max) : t.slice(slash + 1);
  const length = Number(lengthText);
  if (!/^\d+$/.test(lengthText) || length > max) {
    throw new Error(
      `'${text}' does not appear to be an IPv4 or IPv6 network (prefix length 0..${max} expected)`,
    );
  }
  for (let bit = length; bit < max; bit++) {
    if (bytes[bit >> 3] & (0x80 >> (bit & 7))) throw new Error(`'${text}' has host bits set`);
  }
  return { bytes, length };
}

export function networkText(n: Network): string {
  return `${bytesToIp(n.bytes)}/${n.length}`;
}

export function sameNetwork(a: Network, b: Network): boolean {
  return a.length === b.length && a.bytes.length === b.bytes.length &&
    a.bytes.every((v, i) => v === b.bytes[i]);
}

/** Number of addresses in the network, as a bigint (an IPv6 /0 does not fit a number). */
export function networkSize(n: Network): bigint {
  return 1n << BigInt(n.bytes.length * 8 - n.length);
}

/**
 * Every address of the network as a host network, network and broadcast addresses included (Python's
 * iteration over an `ip_network`); used by `--deaggregate-networks` and by the address set-up.
 */
export function hostNetworks(n: Network): Network[] {
  const size = networkSize(n);
  if (size > BigInt(MAX_DEAGGREGATE)) {
    throw new Error(
      `${networkText(n)} holds ${size} addresses, more than the ${MAX_DEAGGREGATE} this expands`,
    );
  }
  const out: Network[] = [];
  const max = n.bytes.length * 8;
  for (let i = 0; i < Number(size); i++) {
    const bytes = n.bytes.slice();
    // Add i to the address, from the last byte up (the host part is at most 16 bits here).
    let carry = i;
    for (let b = bytes.length - 1; b >= 0 && carry > 0; b--) {
      const sum = bytes[b] + (carry & 0xff);
      bytes[b] = sum & 0xff;
      carry = (carry >> 8) + (sum >> 8);
    }
    out.push({ bytes, length: max });
  }
  return out;
}

/** Python's `is_loopback` for a network: inside 127.0.0.0/8, or exactly ::1/128. */
export function isLoopback(n: Network): boolean {
  if (n.bytes.length === 4) return n.bytes[0] === 127 && n.length >= 8;
  return n.length === 128 && n.bytes.every((v, i) => v === (i === 15 ? 1 : 0));
}
